/**
 * The Java context client: sets Bemi's context on a JDBC connection, as Bemi's ORM packages do.
 * Uses JDBC only; hibernate and servlet adapt it to their frameworks.
 */
package org.audittrail.client;
