/**
 * Servlet integration: a filter that takes each request's context. May use the client package.
 */
package org.audittrail.client.servlet;
