package org.audittrail.udf;

/**
 * Drops changes of tables read only for their context messages: untracked tables that carry Bemi's row
 * trigger are read too, so that their messages never reach a tracked row; counted in {@code untrackedChanges}.
 */
public class TrackedTablesFilter extends CountingFilter {

    private static final long serialVersionUID = 1L;

    private final TableSelection tracked;

    public TrackedTablesFilter(TableSelection tracked) {
        super("untrackedChanges");
        this.tracked = tracked;
    }

    @Override
    boolean keep(Change change) {
        return tracked.isTracked(change.schema, change.table);
    }
}
