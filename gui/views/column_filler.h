#pragma once
// A table column that takes the width the other columns leave (never below `minimum`), so long
// names (module paths, quantizer sites) show whole on a wide window while a narrow one keeps the
// column readable and scrolls. The other columns size to their contents; the column stays
// resizable by hand until the table is next resized.
class QTableView;

void fillWithColumn(QTableView& table, int column, int minimum);
