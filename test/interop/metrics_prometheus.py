"""Scrapes Palaver's /metrics and parses it with the Prometheus project's own Python client
(Debian's python3-prometheus-client), driven by metrics-prometheus.test.ts.

The parser raises on anything the text format does not allow; what it made of the scrape is
printed as one JSON line: the Content-Type and, per metric family, its type, help and samples
(values that JSON cannot carry, NaN and the infinities, as strings).

Usage: metrics_prometheus.py URL
"""

import json
import math
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def number(value):
    return value if math.isfinite(value) else str(value)


def scrape(url):
    with urllib.request.urlopen(url, timeout=15) as response:
        return response.headers.get('Content-Type'), response.read().decode('utf-8')


def families_of(text):
    families = {}
    for family in text_string_to_metric_families(text):
        if family.name in families:
            raise ValueError(f'metric family {family.name} appears twice')
        families[family.name] = {
            'type': family.type,
            'help': family.documentation,
            'samples': [{'name': sample.name, 'labels': sample.labels, 'value': number(sample.value)} for sample in family.samples],
        }
    return families


def main(url):
    try:
        content_type, text = scrape(url)
        result = {'content_type': content_type, 'families': families_of(text)}
    except Exception as error:  # reported to the test, which shows it
        result = {'error': f'{type(error).__name__}: {error}'}
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
