/*
 * Copyright 2026 the audit-trail authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package org.audittrail.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobCancellationException;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.util.FlinkRuntimeException;
import org.audittrail.job.source.CaptureRefusedException;
import org.junit.jupiter.api.Test;

/** The local runner's last line, for the ends LocalRunnerITCase cannot bring about in reasonable time, and its port. */
class LocalRunnerTest {

    private static JobExecutionException failed(Throwable verdict) {
        return new JobExecutionException(new JobID(), "Job execution failed.", verdict);
    }

    @Test
    void aRefusedStartIsNamedByTheJobsOwnException() {
        Throwable failure = new CompletionException(
                failed(
                        new JobException(
                                "The failure is not recoverable",
                                new FlinkRuntimeException(
                                        "One or more fetchers have encountered exception",
                                        new RuntimeException(
                                                "SplitFetcher thread 0 received unexpected exception",
                                                new CaptureRefusedException(
                                                        "Replication slot bemi no longer exists.\nStart with --allow-restore-behind-slot."))))));

        assertThat(LocalRunner.endLine(failure))
                .isEqualTo("The job failed for good (The failure is not recoverable): "
                        + CaptureRefusedException.class.getName()
                        + ": Replication slot bemi no longer exists. Start with --allow-restore-behind-slot.");
    }

    @Test
    void exhaustedRestartsNameTheStrategyTheFailureAndItsRootCause() {
        Throwable failure = failed(new JobException(
                "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=1000)",
                new SQLException(
                        "Cannot connect to postgres@localhost:5432/postgres (sslmode=prefer): Connection refused",
                        "08001",
                        new ConnectException("Connection refused"))));

        assertThat(LocalRunner.endLine(failure))
                .isEqualTo("The job failed for good (Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy("
                        + "maxNumberRestartAttempts=3, backoffTimeMS=1000)): java.sql.SQLException: Cannot connect to"
                        + " postgres@localhost:5432/postgres (sslmode=prefer): Connection refused; root cause:"
                        + " java.net.ConnectException: Connection refused");
    }

    @Test
    void aJobCancelledFromTheWebUiIsSaidSo() {
        assertThat(LocalRunner.endLine(new JobCancellationException(new JobID(), "Job was cancelled.", null)))
                .isEqualTo("The job was cancelled (from the web UI or Flink's REST API).");
    }

    @Test
    void webUiPortIs8081UnlessSet() {
        assertThat(LocalRunner.webUiPort(null)).isEqualTo(8081);
        assertThat(LocalRunner.webUiPort("")).isEqualTo(8081);
        assertThat(LocalRunner.webUiPort(" 8082 ")).isEqualTo(8082);
        assertThatThrownBy(() -> LocalRunner.webUiPort("abc"))
                .hasMessage("WEB_UI_PORT is 'abc': use a port number from 1 to 65535");
        assertThatThrownBy(() -> LocalRunner.webUiPort("0"))
                .hasMessage("WEB_UI_PORT is '0': use a port number from 1 to 65535");
    }
}
