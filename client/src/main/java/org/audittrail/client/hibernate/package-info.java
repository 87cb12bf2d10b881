/**
 * Hibernate integration: a statement inspector that appends the context comment. May use the client package.
 */
package org.audittrail.client.hibernate;
