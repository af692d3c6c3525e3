/** Parsing of a CGI program's response head (RFC 3875 §6): header lines up to a blank line. */

export interface CgiHead {
  status: number;
  statusText?: string;
  headers: [string, string][];
}

/**
 * Finds the end of the CGI header block in `buf`. Returns the index where the body starts and the header
 * text, or undefined when the blank line has not arrived yet. Accepts CRLF and bare LF line ends.
 */
export function splitCgiHead(buf: Buffer): { headText: string; bodyStart: number } | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  const lf = buf.indexOf("\n\n");
  let end = -1;
  let sepLen = 0;
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) {
    end = crlf;
    sepLen = 4;
  } else if (lf >= 0) {
    end = lf;
    sepLen = 2;
  }
  if (end < 0) return undefined;
  return { headText: buf.subarray(0, end).toString("latin1"), bodyStart: end + sepLen };
}

/** Parses CGI header text: `Status: 404 Not Found` sets the status, other lines become response headers. */
export function parseCgiHead(headText: string): CgiHead {
  const head: CgiHead = { status: 200, headers: [] };
  let sawStatus = false;
  let sawLocation = false;
  for (const raw of headText.split(/\r?\n/)) {
    const colon = raw.indexOf(":");
    if (colon <= 0) continue;
    const name = raw.slice(0, colon).trim();
    const value = raw.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      const m = /^(\d{3})\s*(.*)$/.exec(value);
      if (m) {
        sawStatus = true;
        head.status = Number(m[1]);
        if (m[2]) head.statusText = m[2];
      }
      continue;
    }
    if (name.toLowerCase() === "location") sawLocation = true;
    head.headers.push([name, value]);
  }
  if (sawLocation && !sawStatus) head.status = 302;
  return head;
}
