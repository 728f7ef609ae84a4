import type { ResourceDef } from './resources.ts';
import { badRequest, StatusError } from './status.ts';
import type { StoredObject } from './store.ts';
import { renderTable } from './table.ts';

/**
 * Content negotiation of the Accept header, and the `as=` conversions kube-apiserver offers on resource
 * endpoints: the object itself, `PartialObjectMetadata(List)` and `Table` (group `meta.k8s.io`, versions
 * v1 and v1beta1).
 */

/** What a response carries: the resource itself, or a meta.k8s.io conversion of it. */
export type Conversion =
  | { kind: 'object' }
  | { kind: 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'Table'; version: 'v1' | 'v1beta1' };

/** The media types kube-apiserver's resource serializer supports, in its order (json, yaml, protobuf). */
const supportedMediaTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

interface Clause {
  type: string;
  subType: string;
  q: number;
  params: Record<string, string>;
}

/**
 * Parses an Accept header into clauses, best first, as goautoneg.ParseAccept (vendored by
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go) does: higher q first, then
 * more specific types (`a/b` before `a/*` before `* /*`), then header order.
 */
function parseAccept(header: string): Clause[] {
  const clauses: (Clause & { index: number })[] = [];
  header.split(',').forEach((raw, index) => {
    const [mediaRange = '', ...paramParts] = raw.split(';').map((p) => p.trim());
    if (!mediaRange) return;
    const [type = '', subType = '*'] = mediaRange.split('/');
    const params: Record<string, string> = {};
    let q = 1;
    for (const part of paramParts) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq).trim();
      const v = part.slice(eq + 1).trim();
      if (k === 'q') q = Number.parseFloat(v) || 0;
      else params[k] = v;
    }
    clauses.push({ type, subType, q, params, index });
  });
  const specificity = (c: Clause) => (c.type === '*' ? 0 : c.subType === '*' ? 1 : 2);
  return clauses.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
}

const notAcceptable = () =>
  // negotiation/errors.go NewNotAcceptableError: the serializer's media types, comma separated.
  new StatusError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: ${supportedMediaTypes.join(', ')}`,
  );

/**
 * Picks the response representation for a resource endpoint, or throws 406 NotAcceptable.
 *
 * Follows staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go
 * (NegotiateOutputMediaType, acceptMediaTypeOptions) and RequestScope.AllowsConversion in
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go: a clause whose `as`/`g`/`v` name anything but
 * Table (json/yaml only), PartialObjectMetadata or PartialObjectMetadataList in meta.k8s.io v1/v1beta1 is
 * skipped; when no clause is left the request fails with 406 (no Accept header at all means JSON).
 */
export function negotiate(accept: string | undefined): Conversion {
  if (!accept || accept.trim() === '') return { kind: 'object' };
  for (const clause of parseAccept(accept)) {
    const servable = supportedMediaTypes.some((m) => {
      const [t, s] = m.split('/');
      return (
        (clause.type === t && (clause.subType === s || clause.subType === '*')) ||
        (clause.type === '*' && clause.subType === '*')
      );
    });
    if (!servable) continue;
    const { as, g, v } = clause.params;
    // `stream` other than watch, and `sv`, make a clause unacceptable (acceptMediaTypeOptions).
    if (clause.params.stream && clause.params.stream !== 'watch') continue;
    if (clause.params.sv) continue;
    if (as === undefined && g === undefined && v === undefined) return { kind: 'object' };
    if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: as, version: v };
    if (as === 'Table') {
      // A Table is only offered as JSON or YAML, never protobuf.
      const jsonOrYaml =
        clause.type === 'application' && (clause.subType === 'json' || clause.subType === 'yaml');
      if (jsonOrYaml) return { kind: 'Table', version: v };
    }
  }
  throw notAcceptable();
}

/** Go's `%T` of the object a handler converts: the registry's internal type, e.g. `*coordination.Lease`. */
function internalType(def: ResourceDef, list: boolean): string {
  const pkg = def.group === '' ? 'core' : (def.group.split('.')[0] ?? def.group);
  return `*${pkg}.${list ? def.listKind : def.kind}`;
}

/**
 * The conversion step after the object was read (handlers/response.go doTransformObject,
 * asPartialObjectMetadata, asPartialObjectMetadataList): a single object cannot become a list and a list
 * cannot become a single object, each a 406 naming the internal Go type.
 */
export function checkConversionFits(conversion: Conversion, def: ResourceDef, isList: boolean): void {
  if (conversion.kind === 'PartialObjectMetadata' && isList) {
    throw new StatusError(
      406,
      'NotAcceptable',
      `you requested PartialObjectMetadata, but the requested object is a list (${internalType(def, true)})`,
    );
  }
  if (conversion.kind === 'PartialObjectMetadataList' && !isList) {
    throw new StatusError(
      406,
      'NotAcceptable',
      `you requested PartialObjectMetadataList, but the requested object is not a list (${internalType(def, false)})`,
    );
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/**
 * TableOptions from the query (handlers/response.go optionsForTransform and
 * staging/src/k8s.io/apimachinery/pkg/apis/meta/v1beta1/validation ValidateTableOptions): `includeObject`
 * is None, Metadata (the default) or Object; anything else is a 400.
 */
export function tableOptions(url: URL): { includeObject: IncludeObject } {
  const raw = url.searchParams.get('includeObject') ?? '';
  if (raw === '' || raw === 'Metadata') return { includeObject: 'Metadata' };
  if (raw === 'None' || raw === 'Object') return { includeObject: raw };
  throw badRequest(
    `Unable to convert to Table as requested: includeObject: Unsupported value: ${JSON.stringify(raw)}: supported values: "Metadata", "None", "Object"`,
  );
}

/**
 * The Content-Type of a response: the serializer's media type alone. transformResponseObject in
 * handlers/response.go writes converted objects with listGVKInContentType=false, so a Table or
 * PartialObjectMetadataList is still served as plain `application/json`.
 */
export function contentTypeOf(_conversion: Conversion): string {
  return 'application/json';
}

/** Rewrites a meta.k8s.io/v1 document head to the version asked for (v1beta1 serves the same shapes). */
function inVersion(json: string, version: 'v1' | 'v1beta1'): string {
  return version === 'v1'
    ? json
    : json.replaceAll('"apiVersion":"meta.k8s.io/v1"', '"apiVersion":"meta.k8s.io/v1beta1"');
}

/**
 * The body of a list response in the negotiated representation, after handlers/response.go
 * transformResponseObject: TableOptions are checked (400) before the conversion itself (406).
 */
export function listBody(
  def: ResourceDef,
  items: readonly StoredObject[],
  metadata: Record<string, unknown>,
  conversion: Conversion,
  url: URL,
  now: number,
): string {
  const table = conversion.kind === 'Table' ? tableOptions(url) : undefined;
  checkConversionFits(conversion, def, true);
  if (conversion.kind === 'Table') {
    return inVersion(renderTable(def, items, metadata, now, table?.includeObject), conversion.version);
  }
  if (conversion.kind === 'PartialObjectMetadataList') {
    const itemsJson = items.map((s) => s.metadataJson).join(',');
    return inVersion(
      `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(metadata)},"items":[${itemsJson}]}`,
      conversion.version,
    );
  }
  return `{"kind":"${def.listKind}","apiVersion":"${def.apiVersion}","metadata":${JSON.stringify(metadata)},"items":[${items.map((s) => s.json).join(',')}]}`;
}

/** The body of a single-object response in the negotiated representation (handlers/get.go GetResource). */
export function objectBody(
  def: ResourceDef,
  stored: StoredObject,
  conversion: Conversion,
  url: URL,
  now: number,
): string {
  const table = conversion.kind === 'Table' ? tableOptions(url) : undefined;
  checkConversionFits(conversion, def, false);
  if (conversion.kind === 'Table') {
    const meta = { resourceVersion: stored.obj.metadata.resourceVersion };
    return inVersion(renderTable(def, [stored], meta, now, table?.includeObject), conversion.version);
  }
  if (conversion.kind === 'PartialObjectMetadata') return inVersion(stored.metadataJson, conversion.version);
  return stored.json;
}
