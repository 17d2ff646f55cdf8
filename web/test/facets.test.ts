import { describe, expect, it } from 'vitest';
import { addCondition, computeFacets, conditionOf, selectorOf } from '../src/facets';

describe('facets', () => {
  const msgs = [
    '{"level":"error","status":500,"http":{"path":"/a"},"ok":false}',
    '{"level":"error","status":502,"http":{"path":"/b"}}',
    '{"level":"info","status":200,"tags":["x","y"]}',
    'plain text line',
    '[1,2]',
  ];
  it('counts the values of JSON fields', () => {
    const f = computeFacets(msgs);
    const level = f.find((x) => x.path === '$.level')!;
    expect(level.count).toBe(3);
    expect(level.top).toEqual([
      { value: 'error', count: 2 },
      { value: 'info', count: 1 },
    ]);
    expect(f.map((x) => x.path)).toContain('$.http.path');
    expect(f.map((x) => x.path)).toContain('$.tags[0]');
    expect(f.map((x) => x.path)).toContain('$[0]');
    expect(f[0].count).toBeGreaterThanOrEqual(f[f.length - 1].count);
  });
  it('respects its bounds', () => {
    expect(computeFacets(msgs, { maxEvents: 1 }).find((x) => x.path === '$.level')!.count).toBe(1);
    expect(computeFacets(msgs, { maxFields: 2 })).toHaveLength(2);
  });
  it('writes selectors and conditions in filter-pattern syntax', () => {
    expect(selectorOf('$.a.b')).toBe('$.a.b');
    expect(selectorOf('$.list[0].x')).toBe('$.list[0].x');
    expect(selectorOf('$.with space')).toBe("$.['with space']");
    expect(selectorOf("$.it's")).toBeNull();
    expect(conditionOf('$.level', 'error')).toBe('$.level = "error"');
    expect(conditionOf('$.msg', 'say "hi" \\o/')).toBe('$.msg = "say \\"hi\\" \\\\o/"');
    expect(conditionOf('$.n', 5)).toBe('$.n = 5');
    expect(conditionOf('$.ok', false)).toBe('$.ok IS FALSE');
    expect(conditionOf('$.x', null)).toBe('$.x IS NULL');
    expect(conditionOf('$.glob', 'a*')).toBeNull();
  });
  it('adds conditions to patterns', () => {
    expect(addCondition('', '$.a = 1')).toEqual({ pattern: '{ $.a = 1 }', replaced: false });
    expect(addCondition('{ $.b = 2 }', '$.a = 1')).toEqual({ pattern: '{ $.b = 2 && $.a = 1 }', replaced: false });
    expect(addCondition('{ $.b = 2 || $.c = 3 }', '$.a = 1')).toEqual({ pattern: '{ ($.b = 2 || $.c = 3) && $.a = 1 }', replaced: false });
    expect(addCondition('ERROR', '$.a = 1')).toEqual({ pattern: '{ $.a = 1 }', replaced: true });
  });
});
