package org.audittrail.udf.functions;

import org.audittrail.udf.model.Change;
import org.audittrail.udf.selection.TableSelection;

import java.util.HashSet;
import java.util.Set;

/**
 * Drops changes of tables read only for their context messages (untracked tables that carry Bemi's row trigger
 * are read too, so that their messages never reach a tracked row), and of the destination's own tables, whatever
 * the patterns say; counted in {@code untrackedChanges}.
 */
public class TrackedTablesFilter extends CountingFilter {

    private static final long serialVersionUID = 1L;

    private final TableSelection tracked;
    private final Set<String> neverTracked;

    /** {@code neverTracked}: {@code schema.table} of the destination's tables where they are in the source. */
    public TrackedTablesFilter(TableSelection tracked, Set<String> neverTracked) {
        super("untrackedChanges");
        this.tracked = tracked;
        this.neverTracked = new HashSet<>(neverTracked);
    }

    @Override
    boolean keep(Change change) {
        return tracked.isTracked(change.schema, change.table) && !neverTracked.contains(change.schema + "." + change.table);
    }
}
