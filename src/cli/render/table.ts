/**
 * Plain-text tables that fit the terminal. Columns keep their natural width while the
 * row fits; otherwise the widest flexible column is cut with an ellipsis, and when that
 * is not enough, optional columns are left out from the right. Cells are stripped of
 * control characters first, because they can come from the Core.
 */

export interface Column<Row> {
  header: string;
  value(row: Row): string;
  align?: 'left' | 'right';
  /** May be cut to make the row fit the terminal. */
  flexible?: boolean;
  /** May be left out when the row does not fit even with flexible columns cut. */
  optional?: boolean;
}

const COLUMN_GAP = '  ';
const MIN_FLEXIBLE_WIDTH = 8;

export function renderTable<Row>(allColumns: Column<Row>[], rows: Row[], maxWidth: number): string {
  const columns = columnsThatFit(allColumns, rows, maxWidth);
  const cells = rows.map((row) => columns.map((column) => tableCell(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]?.length ?? 0)),
  );
  shrinkToFit(columns, widths, maxWidth);

  const lines = [columns.map((column) => column.header)].concat(cells).map((line) =>
    line
      .map((cell, index) => pad(fit(cell, widths[index] ?? 0), widths[index] ?? 0, columns[index]))
      .join(COLUMN_GAP)
      .trimEnd(),
  );

  return `${lines.join('\n')}\n`;
}

/** Drops optional columns from the right until the narrowest layout fits. */
function columnsThatFit<Row>(columns: Column<Row>[], rows: Row[], maxWidth: number): Column<Row>[] {
  const kept = [...columns];
  const narrowest = (column: Column<Row>) => {
    const natural = Math.max(
      column.header.length,
      ...rows.map((row) => tableCell(column.value(row)).length),
    );
    return column.flexible === true ? Math.min(natural, MIN_FLEXIBLE_WIDTH) : natural;
  };

  for (;;) {
    const width =
      kept.reduce((sum, column) => sum + narrowest(column), 0) +
      COLUMN_GAP.length * (kept.length - 1);
    const lastOptional = kept.findLastIndex((column) => column.optional === true);
    if (width <= maxWidth || lastOptional === -1) {
      return kept;
    }
    kept.splice(lastOptional, 1);
  }
}

function shrinkToFit<Row>(columns: Column<Row>[], widths: number[], maxWidth: number): void {
  const total = () =>
    widths.reduce((sum, width) => sum + width, 0) + COLUMN_GAP.length * (widths.length - 1);

  while (total() > maxWidth) {
    const widest = widestFlexible(columns, widths);
    if (widest === undefined) {
      return;
    }
    widths[widest] = Math.max(MIN_FLEXIBLE_WIDTH, (widths[widest] ?? 0) - (total() - maxWidth));
  }
}

function widestFlexible<Row>(columns: Column<Row>[], widths: number[]): number | undefined {
  let widest: number | undefined;
  columns.forEach((column, index) => {
    const width = widths[index] ?? 0;
    if (
      column.flexible === true &&
      width > MIN_FLEXIBLE_WIDTH &&
      (widest === undefined || width > (widths[widest] ?? 0))
    ) {
      widest = index;
    }
  });

  return widest;
}

function fit(cell: string, width: number): string {
  return cell.length <= width ? cell : `${cell.slice(0, Math.max(0, width - 1))}…`;
}

function pad<Row>(cell: string, width: number, column: Column<Row> | undefined): string {
  return column?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
}

/** Puts a cell on one line: breaks and tabs become spaces, other control characters a stand-in. */
function tableCell(text: string): string {
  return printable(text.replace(/[\n\t]/g, ' '));
}

/**
 * Replaces control characters (ANSI escapes included) and the bidirectional controls
 * that can reorder what a terminal shows with a visible stand-in.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    '\ufffd',
  );
}

/** Wraps text to `width` columns, keeping existing line breaks. */
export function wrapText(text: string, width: number): string[] {
  const usable = Math.max(20, width);
  return printable(text)
    .split('\n')
    .flatMap((line) => wrapLine(line, usable));
}

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) {
    return [line];
  }

  const wrapped: string[] = [];
  let current = '';
  for (const word of line.split(/(\s+)/)) {
    if (current.length + word.length > width && current.trim() !== '') {
      wrapped.push(current.trimEnd());
      current = word.trimStart();
    } else {
      current += word;
    }
    while (current.length > width) {
      wrapped.push(current.slice(0, width));
      current = current.slice(width);
    }
  }
  if (current.trim() !== '') {
    wrapped.push(current.trimEnd());
  }

  return wrapped;
}
