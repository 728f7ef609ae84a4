import { InvalidArgumentError } from 'commander';
import { dump as dumpYaml } from 'js-yaml';
import type { AuditReport } from '../shared/report/audit-report.ts';
import { escapeJsonText, escapeTerminal, safeJson } from '../shared/report/escape.ts';
import {
  executeJsonPath,
  JsonPathParseError,
  type JsonPathTemplate,
  parseJsonPath,
} from './jsonpath-template.ts';
import { renderAuditTable } from './render-table.ts';

/** `-o`/`--output`, as kubectl spells its printers. */
export type OutputFormat =
  | { kind: 'table' | 'wide' | 'json' | 'yaml' | 'name' }
  | { kind: 'jsonpath'; template: JsonPathTemplate };

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath=<template>'] as const;

/**
 * Reads `-o`: a printer name, or `jsonpath=TEMPLATE` parsed now, so a bad template is a usage error before
 * any cluster is read (kubectl's "error parsing jsonpath …").
 */
export function outputFormat(value: string): OutputFormat {
  const eq = value.indexOf('=');
  const name = eq === -1 ? value : value.slice(0, eq);
  if (name === 'jsonpath') {
    const source = eq === -1 ? '' : value.slice(eq + 1);
    if (source === '')
      throw new InvalidArgumentError('jsonpath needs a template, e.g. -o jsonpath={.summary}');
    try {
      return { kind: 'jsonpath', template: parseJsonPath(source) };
    } catch (err) {
      if (err instanceof JsonPathParseError)
        throw new InvalidArgumentError(`error parsing jsonpath ${source}, ${err.message}`);
      throw err;
    }
  }
  if (eq === -1 && (['table', 'wide', 'json', 'yaml', 'name'] as const).includes(name as 'table'))
    return { kind: name as 'table' | 'wide' | 'json' | 'yaml' | 'name' };
  throw new InvalidArgumentError(`expected one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** Bidi and line-separator controls that js-yaml writes raw (it escapes C0, C1, U+2028/9 itself). */
const YAML_UNESCAPED = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The report as YAML: the same document as `-o json`. js-yaml escapes control characters but writes bidi
 * controls raw; when a string holds one, every string is written double-quoted, where `\uXXXX` is an
 * escape, so the text reads as it is and parses back unchanged.
 */
export function safeYaml(doc: unknown): string {
  const plain = dumpYaml(doc, { noRefs: true, lineWidth: -1 });
  if (!new RegExp(YAML_UNESCAPED.source).test(plain)) return plain;
  return dumpYaml(doc, { noRefs: true, lineWidth: -1, forceQuotes: true, quotingType: '"' }).replace(
    YAML_UNESCAPED,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * `-o name`: one `<resource>/<name>` per object with a finding, as kubectl's name printer writes it
 * (k8s.io/cli-runtime/pkg/printers/name.go: `lease.coordination.k8s.io/NAME`, `node/NAME` for the core
 * group; `kubectl get leases -A -o name` leaves the namespace out too). A lease with several findings
 * is written once. Pipe it with `-n NAMESPACE`, as with kubectl.
 */
export function renderNames(report: AuditReport): string {
  const lines: string[] = [];
  for (const c of report.clusters) {
    if (c.status !== 'ok') continue;
    const seen = new Set<string>();
    for (const f of c.findings) {
      const line = f.type === 'NodeWithoutLease' ? `node/${f.name}` : `lease.coordination.k8s.io/${f.name}`;
      const key = `${f.namespace}/${line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(escapeTerminal(line));
    }
  }
  return lines.map((l) => `${l}\n`).join('');
}

export interface RenderOptions {
  colour: boolean;
  /** The terminal's width when stdout is one. */
  width?: number | undefined;
}

/** The report in the chosen format. Table formats carry failed clusters; the others leave that to stderr. */
export function renderReport(report: AuditReport, format: OutputFormat, options: RenderOptions): string {
  switch (format.kind) {
    case 'json':
      return `${safeJson(report, 2)}\n`;
    case 'yaml':
      return safeYaml(JSON.parse(JSON.stringify(report)));
    case 'name':
      return renderNames(report);
    case 'jsonpath':
      // The document as JSON would carry it (no undefined fields), as kubectl runs templates on JSON.
      return executeJsonPath(format.template, JSON.parse(JSON.stringify(report)), {
        escapeText: escapeTerminal,
        escapeJson: escapeJsonText,
      });
    case 'table':
    case 'wide':
      return renderAuditTable(report, {
        colour: options.colour,
        wide: format.kind === 'wide',
        width: options.width,
      });
  }
}

/** Whether a format prints failed clusters itself (tables and documents) or needs them on stderr. */
export function showsErrors(format: OutputFormat): boolean {
  return format.kind !== 'name' && format.kind !== 'jsonpath';
}
