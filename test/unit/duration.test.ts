import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/duration';

describe('parseDuration (Go syntax)', () => {
  const good: [string, number][] = [
    ['10ms', 10],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['2h45m', 9_900_000],
    ['0', 0],
    ['0s', 0],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['1000000ns', 1],
    ['.5s', 500],
    ['1.s', 1000],
    ['-1s', -1000],
    ['+3s', 3000],
  ];
  for (const [text, ms] of good) {
    it(`reads ${text} as ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  }
  it("reads Go's longest duration, and calls longer text invalid as Go does", () => {
    assert.equal(parseDuration('2562047h'), 2562047 * 3_600_000);
    assert.equal(parseDuration('2562048h'), undefined);
    assert.equal(parseDuration(`${'9'.repeat(400)}h`), undefined, 'Infinity is not a duration');
  });
  for (const text of ['', '10', 's', '1x', '1.5', 'ten seconds', '1s2', '.s', '1 s', '-', '5d']) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
  }
});

describe('formatDuration (as Go prints it)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [10, '10ms'],
    [1500, '1.5s'],
    [2000, '2s'],
    [90_000, '1m30s'],
    [7_200_000, '2h0m0s'],
    [0.5, '500µs'],
    [-1000, '-1s'],
  ];
  for (const [ms, text] of cases) {
    it(`prints ${ms} ms as ${text}`, () => assert.equal(formatDuration(ms), text));
  }
});
