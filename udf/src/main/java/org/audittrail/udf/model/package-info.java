/**
 * The change model: a change, its deterministic id, its operation and its context. Uses nothing but values.
 */
package org.audittrail.udf.model;
