'use strict';
// The live tail: each change event becomes a row, every value put in as text, never as HTML.
(function () {
  const rows = document.querySelector('#changes tbody');
  const status = document.getElementById('tail-status');
  const source = new EventSource('/tail/events' + window.location.search);

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function link(td, href, text, className) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    a.className = className;
    td.appendChild(a);
  }

  source.addEventListener('change', function (event) {
    const c = JSON.parse(event.data);
    const row = document.createElement('tr');
    row.className = 'change';
    cell(row, c.time, 'time');
    cell(row, c.table);
    const key = cell(row, '');
    if (c.record) {
      link(key, c.record, c.key, 'record');
    }
    cell(row, c.operation, 'op ' + c.operation.toLowerCase());
    cell(row, c.columns, 'columns');
    cell(row, c.context, 'context');
    link(cell(row, ''), c.transaction, String(c.transactionId), 'transaction');
    rows.insertBefore(row, rows.firstChild);
    while (rows.rows.length > 500) {
      rows.deleteRow(rows.rows.length - 1);
    }
  });
  source.addEventListener('problem', function (event) {
    status.textContent = event.data;
  });
  source.onopen = function () {
    status.textContent = 'Listening: new changes appear at the top.';
  };
  source.onerror = function () {
    status.textContent = 'The connection was lost; retrying.';
  };
})();
