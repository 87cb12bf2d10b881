package org.audittrail.job;

import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An embedded PostgreSQL per test class and a Flink MiniCluster to run the real job on; subclasses add their schema in a {@code @BeforeAll}. */
abstract class JobTestBase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestJob.cluster();

    static TestDatabase db;
    TestJob job;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        db.close();
    }

    @BeforeEach
    void newJob(@InjectMiniCluster MiniCluster cluster) {
        job = new TestJob(cluster);
    }

    @AfterEach
    void cancelJob() throws Exception {
        job.cancel();
    }
}
