// ANSI escape sequences in log messages. Colour and style codes (SGR,
// ESC [ … m) become segments with class names; every other escape
// sequence and control character is dropped. The text of each segment is
// plain text and is rendered as a text node, never as markup.

export interface Segment {
  text: string;
  /** Space-separated class names: ansi-fg-N, ansi-bg-N, ansi-bold, … */
  cls: string;
}

interface Style {
  fg: number; // -1 none; 0-15 palette
  bg: number;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const plain: Style = { fg: -1, bg: -1, bold: false, dim: false, italic: false, underline: false };

function className(s: Style): string {
  const c: string[] = [];
  if (s.fg >= 0) c.push(`ansi-fg-${s.fg}`);
  if (s.bg >= 0) c.push(`ansi-bg-${s.bg}`);
  if (s.bold) c.push('ansi-bold');
  if (s.dim) c.push('ansi-dim');
  if (s.italic) c.push('ansi-italic');
  if (s.underline) c.push('ansi-underline');
  return c.join(' ');
}

function applySGR(params: string, s: Style): Style {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((x) => (x === '' ? 0 : Number(x)));
  let st = { ...s };
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) st = { ...plain };
    else if (c === 1) st.bold = true;
    else if (c === 2) st.dim = true;
    else if (c === 3) st.italic = true;
    else if (c === 4) st.underline = true;
    else if (c === 22) st.bold = st.dim = false;
    else if (c === 23) st.italic = false;
    else if (c === 24) st.underline = false;
    else if (c >= 30 && c <= 37) st.fg = c - 30;
    else if (c === 39) st.fg = -1;
    else if (c >= 40 && c <= 47) st.bg = c - 40;
    else if (c === 49) st.bg = -1;
    else if (c >= 90 && c <= 97) st.fg = c - 90 + 8;
    else if (c >= 100 && c <= 107) st.bg = c - 100 + 8;
    else if (c === 38 || c === 48) {
      // 256-colour (5;n) or truecolour (2;r;g;b): map the first 16 colours,
      // skip the rest (shown uncoloured rather than guessed).
      const mode = codes[i + 1];
      if (mode === 5) {
        const n = codes[i + 2];
        if (n >= 0 && n < 16) {
          if (c === 38) st.fg = n;
          else st.bg = n;
        }
        i += 2;
      } else if (mode === 2) {
        i += 4;
      }
    }
  }
  return st;
}

// CSI sequences, OSC sequences (ended by BEL or ESC \), other two-byte
// escapes, and C0/C1 control characters other than tab and newline.
// eslint-disable-next-line no-control-regex
const escapeRE = /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

/** Splits a message into styled segments. */
export function parseAnsi(msg: string): Segment[] {
  if (!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(msg)) return [{ text: msg, cls: '' }];
  const out: Segment[] = [];
  let st = { ...plain };
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const cls = className(st);
    const prev = out[out.length - 1];
    if (prev && prev.cls === cls) prev.text += text;
    else out.push({ text, cls });
  };
  escapeRE.lastIndex = 0;
  for (let m = escapeRE.exec(msg); m; m = escapeRE.exec(msg)) {
    push(msg.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] === 'm' && m[2] === '') st = applySGR(m[1], st);
  }
  push(msg.slice(last));
  return out;
}

/** The message without any escape sequence or control character. */
export function stripAnsi(msg: string): string {
  return parseAnsi(msg)
    .map((s) => s.text)
    .join('');
}
