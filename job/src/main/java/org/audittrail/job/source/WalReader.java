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
package org.audittrail.job.source;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.util.ExceptionUtils;
import org.audittrail.job.source.watch.PublicationWatch;
import org.audittrail.job.source.watch.SlotLag;
import org.audittrail.udf.model.Change;

/**
 * The CDC reader, rethrowing a refused start itself instead of the fetcher failure that wraps it; runs the slot's lag
 * gauge; during the first baseline snapshot holds two chunks at a time, so that Flink CDC reads the next while the job
 * stores the one before (it reads a reader's chunks one after another, starting the next as soon as it has handed one
 * over).
 */
final class WalReader implements SourceReader<Change, SourceSplitBase> {
    private final SourceReader<Change, SourceSplitBase> reader;
    private final SourceReaderContext context;
    private final PublicationWatch watch;
    private final SlotLag lag;
    private boolean readingAhead;
    /** Whether this reader has had the WAL's stream split: then chunks are of tables added later, read Flink CDC's way. */
    private boolean streaming;

    WalReader(
            SourceReader<Change, SourceSplitBase> reader,
            SourceReaderContext context,
            PublicationWatch watch,
            SlotLag lag) {
        this.reader = reader;
        this.context = context;
        this.watch = watch;
        this.lag = lag;
    }

    @Override
    public InputStatus pollNext(ReaderOutput<Change> output) throws Exception {
        if (lag.lost() != null) {
            throw new CaptureRefusedException(lag.lost());
        }
        try {
            return reader.pollNext(output);
        } catch (RuntimeException e) {
            if (lag.lost() != null) {
                // the stream broke because the slot was invalidated: say that, not the fetcher's error
                throw new CaptureRefusedException(lag.lost());
            }
            throw ExceptionUtils.findThrowable(
                            e, t -> t instanceof CaptureRefusedException || t instanceof SlotInUseException)
                    .map(RuntimeException.class::cast)
                    .orElse(e);
        }
    }

    @Override
    public void start() {
        reader.start();
        lag.start();
    }

    @Override
    public List<SourceSplitBase> snapshotState(long checkpointId) {
        return reader.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        // an idle stream would never call pollNext, which fails the task for a lost slot
        return CompletableFuture.anyOf(reader.isAvailable(), lag.whenLost()).thenApply(any -> null);
    }

    @Override
    public void addSplits(List<SourceSplitBase> splits) {
        reader.addSplits(splits);
        streaming |= splits.stream().anyMatch(SourceSplitBase::isStreamSplit);
        if (!readingAhead && !streaming && splits.stream().anyMatch(SourceSplitBase::isSnapshotSplit)) {
            // one request more than Flink CDC's own (one per finished chunk): a chunk always waits while one is stored
            readingAhead = true;
            context.sendSplitRequest();
        }
    }

    @Override
    public void notifyNoMoreSplits() {
        reader.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        reader.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        reader.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        reader.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
        reader.pauseOrResumeSplits(toPause, toResume);
    }

    @Override
    public void close() throws Exception {
        if (watch != null) {
            watch.close();
        }
        lag.close();
        reader.close();
    }
}
