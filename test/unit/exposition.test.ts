import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTENT_TYPE, negotiateFormat, parseAccept } from '../../src/exposition';
import { PROMETHEUS_ACCEPT } from '../helpers/openmetrics';

describe('negotiateFormat', () => {
  const cases: [string | undefined, 'text' | 'openmetrics', string][] = [
    [PROMETHEUS_ACCEPT, 'openmetrics', "Prometheus' default header"],
    [undefined, 'text', 'no Accept header (curl, older scrapers)'],
    ['', 'text', 'an empty header'],
    ['*/*', 'text', 'anything: the format every scraper reads'],
    ['text/plain', 'text', 'plain text'],
    ['text/plain;version=0.0.4', 'text', 'the text format by version'],
    ['application/openmetrics-text', 'openmetrics', 'OpenMetrics without a version'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics', 'OpenMetrics 1.0.0 with spaces and a charset'],
    ['APPLICATION/OpenMetrics-Text;version="1.0.0"', 'openmetrics', 'type in any case, a quoted version'],
    ['application/openmetrics-text;version=0.0.1', 'text', 'only an OpenMetrics version not written here'],
    ['application/openmetrics-text;version=2.0.0,text/plain;q=0.1', 'text', 'a later OpenMetrics version only'],
    ['application/openmetrics-text;q=0.5,text/plain', 'text', 'text rated higher'],
    ['text/plain;q=0.2,application/openmetrics-text;q=0.3', 'openmetrics', 'OpenMetrics rated higher, listed last'],
    ['application/openmetrics-text,text/plain', 'text', 'a tie: the text format'],
    ['application/*', 'openmetrics', 'any application type'],
    ['application/openmetrics-text;q=0', 'text', 'OpenMetrics refused'],
    ['text/plain;version=0.0.4;q=0,application/openmetrics-text;q=0.1', 'openmetrics', 'text refused'],
    ['application/openmetrics-text;q=2', 'text', 'a malformed q: the range is ignored'],
    ['application/openmetrics-text;q=0.5,*/*', 'text', 'a wildcard rated above'],
    ['*/*;q=0.1,application/openmetrics-text;version=1.0.0;q=0.2', 'openmetrics', 'the most specific range counts'],
    ['text/plain;q=0.9,*/*', 'openmetrics', 'the specific text range rates text lower than the wildcard rates OpenMetrics'],
    ['garbage,,;;', 'text', 'nonsense'],
  ];
  for (const [accept, want, why] of cases) {
    it(`${why}: ${JSON.stringify(accept)} -> ${want}`, () => assert.equal(negotiateFormat(accept), want));
  }
});

describe('parseAccept', () => {
  it('reads type, version and q; what follows q is no media parameter', () => {
    assert.deepEqual(parseAccept('Text/Plain ; version=0.0.4 ; q=0.5 ; version=9'), [{ type: 'text/plain', version: '0.0.4', q: 0.5 }]);
  });
});

describe('content types', () => {
  it('are the ones each format specifies', () => {
    assert.equal(CONTENT_TYPE.text, 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(CONTENT_TYPE.openmetrics, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  });
});
