package org.audittrail.udf.functions;

import org.audittrail.udf.model.Change;
import org.audittrail.udf.selection.IgnoredColumns;

/** Drops the UPDATEs that changed only ignore-change columns, counting them in {@code updatesIgnored}. */
public class IgnoredColumnsFilter extends CountingFilter {

    private static final long serialVersionUID = 1L;

    private final IgnoredColumns ignored;

    public IgnoredColumnsFilter(IgnoredColumns ignored) {
        super("updatesIgnored");
        this.ignored = ignored;
    }

    @Override
    boolean keep(Change change) {
        return !ignored.changesOnlyIgnoredColumns(change);
    }
}
