// CSV as RFC 4180 writes it: fields with a comma, a double quote, CR or LF (or leading/trailing spaces, which some
// readers trim) are quoted, quotes doubled; records end with CRLF. Written here because it is these few lines, and the
// npm CSV writers would be a dependency for them.
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export function csvDocument(header: readonly string[], rows: Iterable<readonly string[]>): string {
  let text = csvRecord(header);
  for (const row of rows) text += csvRecord(row);
  return text;
}
