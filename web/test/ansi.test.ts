import { describe, expect, it } from 'vitest';
import { parseAnsi, stripAnsi } from '../src/ansi';

describe('ANSI', () => {
  it('leaves plain text alone', () => {
    expect(parseAnsi('hello <b>x</b>')).toEqual([{ text: 'hello <b>x</b>', cls: '' }]);
  });
  it('turns colours into classes', () => {
    expect(parseAnsi('\x1b[31mred\x1b[0m plain \x1b[1;92mbold green\x1b[m')).toEqual([
      { text: 'red', cls: 'ansi-fg-1' },
      { text: ' plain ', cls: '' },
      { text: 'bold green', cls: 'ansi-fg-10 ansi-bold' },
    ]);
    expect(parseAnsi('\x1b[38;5;4mblue\x1b[39;48;5;200mx')).toEqual([
      { text: 'blue', cls: 'ansi-fg-4' },
      { text: 'x', cls: '' },
    ]);
    expect(parseAnsi('\x1b[38;2;1;2;3mrgb')).toEqual([{ text: 'rgb', cls: '' }]);
  });
  it('drops other escapes and control characters', () => {
    expect(stripAnsi('a\x1b[2Kb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x00e\x1bMf\tg\nh')).toBe('abcdef\tg\nh');
    expect(stripAnsi('\x1b[')).toBe('');
  });
});
