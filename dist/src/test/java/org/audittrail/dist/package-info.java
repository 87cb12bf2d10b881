/**
 * Tests of the assembled distribution: the shaded jar on a real Flink cluster, the compose file.
 */
package org.audittrail.dist;
