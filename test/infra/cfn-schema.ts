import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { PropertyType, Resource, SpecDatabase } from '@aws-cdk/service-spec-types';

/**
 * A synthesized template checked against the CloudFormation resource provider schemas, as
 * `@aws-cdk/aws-service-spec` ships them (the CloudFormation registry schemas of every resource type,
 * imported into one database: properties, their types and allowed values, required properties,
 * attributes). For every resource: the type exists, every property (nested ones too) is one its schema
 * declares, required properties are present, and values have the declared type where they are not
 * intrinsic functions; allowed values of strings and integers are enforced. Every Ref, Fn::GetAtt and
 * Fn::Sub names a resource, parameter or pseudo parameter that exists (and an attribute the type has),
 * every DependsOn and Condition a resource or condition of the template.
 *
 * Strict on purpose: anything the schema does not declare is a problem, so a typo cannot pass.
 */
export class CfnSchemas {
  private constructor(private readonly db: SpecDatabase) {}

  /** Loads the database once (~1.5 s: it is a 2.6 MB gzipped JSON file). */
  static load(): CfnSchemas {
    return new CfnSchemas(loadAwsServiceSpecSync());
  }

  /** Every problem of the template, each as `path: what is wrong`; none when it is valid. */
  validate(template: object): string[] {
    return new TemplateCheck(this.db, template as Template).run();
  }
}

type Json = unknown;
interface Template {
  Resources?: Record<string, TemplateResource>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value?: Json; Condition?: string; [k: string]: unknown }>;
  [section: string]: unknown;
}
interface TemplateResource {
  Type?: unknown;
  Properties?: unknown;
  DependsOn?: unknown;
  Condition?: unknown;
  DeletionPolicy?: unknown;
  UpdateReplacePolicy?: unknown;
  [attribute: string]: unknown;
}

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);
const INTRINSICS = new Set([
  'Ref',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::If',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Length',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::ToJsonString',
]);
/** The CDK's analytics resource: CloudFormation accepts it, and no registry schema describes it. */
const CDK_METADATA = 'AWS::CDK::Metadata';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ "Ref": … }` or `{ "Fn::…": … }`: a value CloudFormation computes at deploy time. */
function intrinsic(v: unknown): [string, unknown] | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  const [key] = keys;
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))
    ? [key, v[key]]
    : undefined;
}

/** Levenshtein distance, for "did you mean" (property names are short). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length] ?? 0;
}

class TemplateCheck {
  private readonly problems: string[] = [];
  private readonly resources: Record<string, TemplateResource>;

  constructor(
    private readonly db: SpecDatabase,
    private readonly template: Template,
  ) {
    this.resources = isObject(template.Resources)
      ? (template.Resources as Record<string, TemplateResource>)
      : {};
  }

  run(): string[] {
    for (const section of Object.keys(this.template))
      if (!TEMPLATE_SECTIONS.has(section)) this.problem(section, 'not a template section');
    if (Object.keys(this.resources).length === 0) this.problem('Resources', 'a template declares resources');
    for (const [id, resource] of Object.entries(this.resources)) this.resource(id, resource);
    for (const [id, output] of Object.entries(this.template.Outputs ?? {})) {
      const path = `Outputs/${id}`;
      if (output.Value === undefined) this.problem(path, 'an output needs a Value');
      this.references(output.Value, `${path}/Value`);
      if (output.Condition !== undefined) this.conditionName(output.Condition, `${path}/Condition`);
    }
    return this.problems;
  }

  private problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  private resource(id: string, resource: TemplateResource) {
    const path = `Resources/${id}`;
    if (!/^[A-Za-z0-9]{1,255}$/.test(id)) this.problem(path, 'a logical id is alphanumeric');
    for (const attribute of Object.keys(resource))
      if (!RESOURCE_ATTRIBUTES.has(attribute))
        this.problem(`${path}/${attribute}`, 'not a resource attribute');
    for (const dependency of [resource.DependsOn ?? []].flat())
      if (typeof dependency !== 'string' || !(dependency in this.resources))
        this.problem(`${path}/DependsOn`, `no resource ${JSON.stringify(dependency)}`);
    if (resource.Condition !== undefined) this.conditionName(resource.Condition, `${path}/Condition`);
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy'] as const)
      if (resource[policy] !== undefined && !DELETION_POLICIES.has(String(resource[policy])))
        this.problem(`${path}/${policy}`, `not a policy: ${JSON.stringify(resource[policy])}`);

    const type = resource.Type;
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) return this.problem(`${path}/Properties`, 'expected an object');
    if (typeof type !== 'string') return this.problem(`${path}/Type`, 'expected a resource type');
    if (type === CDK_METADATA)
      return this.object(properties, { Analytics: { type: { type: 'string' } } }, path);
    if (type.startsWith('Custom::')) {
      // A custom resource's properties are its provider's; CloudFormation requires only ServiceToken.
      if (!('ServiceToken' in properties))
        this.problem(`${path}/Properties`, 'missing required ServiceToken');
      return this.references(properties, `${path}/Properties`);
    }
    const schema = this.schema(type);
    if (!schema)
      return this.problem(`${path}/Type`, `no resource type ${type} in the CloudFormation registry`);
    this.object(properties, schema.properties, `${path}/Properties`);
  }

  private schema(type: string): Resource | undefined {
    return this.db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
  }

  private conditionName(name: unknown, path: string): void {
    if (
      typeof name !== 'string' ||
      !isObject(this.template.Conditions) ||
      !(name in this.template.Conditions)
    )
      this.problem(path, `no condition ${JSON.stringify(name)}`);
  }

  /** An object of declared properties: none unknown, the required ones present, each of its type. */
  private object(
    value: Record<string, unknown>,
    properties: Record<string, { type: PropertyType; required?: boolean }>,
    path: string,
  ): void {
    for (const [name, v] of Object.entries(value)) {
      const property = properties[name];
      if (!property) {
        const near = Object.keys(properties).find((p) => distance(p.toLowerCase(), name.toLowerCase()) <= 2);
        this.problem(
          `${path}/${name}`,
          `unknown property${near ? ` (did you mean ${near}?)` : `; known: ${Object.keys(properties).join(', ')}`}`,
        );
        continue;
      }
      this.value(v, property.type, `${path}/${name}`);
    }
    for (const [name, property] of Object.entries(properties))
      if (property.required && !(name in value)) this.problem(path, `missing required property ${name}`);
  }

  /** A value against its declared type; intrinsic functions are checked for what they name. */
  private value(value: unknown, type: PropertyType, path: string) {
    const fn = intrinsic(value);
    if (fn) {
      const [name, args] = fn;
      // Both branches of an Fn::If are values of the property (or AWS::NoValue).
      if (name === 'Fn::If' && Array.isArray(args) && args.length === 3) {
        this.conditionName(args[0], `${path}/Fn::If`);
        for (const branch of args.slice(1)) {
          const ref = intrinsic(branch);
          if (ref?.[0] === 'Ref' && ref[1] === 'AWS::NoValue') continue;
          this.value(branch, type, `${path}/Fn::If`);
        }
        return;
      }
      return this.references(value, path);
    }
    const wrong = (expected: string) =>
      this.problem(path, `expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string') return wrong('a string');
        if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(value))
          return wrong(`one of ${type.allowedValues.join(', ')}`);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) wrong('a number');
        return;
      case 'integer':
        if (!Number.isInteger(value)) return wrong('an integer');
        if (type.allowedValues && !type.allowedValues.includes(value as number))
          return wrong(`one of ${type.allowedValues.join(', ')}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') wrong('a boolean');
        return;
      case 'null':
        if (value !== null) wrong('null');
        return;
      case 'json':
        // Free-form JSON (policy documents, dashboards' bodies…): only what it names is checked.
        if (!isObject(value) && !Array.isArray(value) && typeof value !== 'string') return wrong('JSON');
        return this.references(value, path);
      case 'tag':
        if (!isObject(value)) return wrong('a tag');
        return this.object(
          value,
          {
            Key: { type: { type: 'string' }, required: true },
            Value: { type: { type: 'string' }, required: true },
          },
          path,
        );
      case 'ref': {
        if (!isObject(value)) return wrong('an object');
        const definition = this.db.get('typeDefinition', type.reference.$ref);
        return this.object(value, definition.properties, path);
      }
      case 'array':
        if (!Array.isArray(value)) return wrong('a list');
        for (const [i, element] of value.entries()) this.value(element, type.element, `${path}/${i}`);
        return;
      case 'map':
        if (!isObject(value)) return wrong('a map');
        for (const [k, v] of Object.entries(value)) this.value(v, type.element, `${path}/${k}`);
        return;
      case 'union': {
        // Valid when it is valid as any one of the types.
        const mark = this.problems.length;
        for (const member of type.types) {
          this.value(value, member, path);
          if (this.problems.length === mark) return;
          this.problems.length = mark;
        }
        return wrong(`one of the types ${type.types.map((t) => t.type).join(' | ')}`);
      }
    }
  }

  /** Every Ref, Fn::GetAtt and Fn::Sub variable inside `value` names something that exists. */
  private references(value: unknown, path: string): void {
    const fn = intrinsic(value);
    if (Array.isArray(value)) for (const v of value) this.references(v, path);
    else if (isObject(value) && !fn) for (const v of Object.values(value)) this.references(v, path);
    else if (!fn) return;
    else if (!INTRINSICS.has(fn[0])) this.problem(path, `no intrinsic function ${fn[0]}`);
    else if (fn[0] === 'Ref') this.ref(fn[1], path);
    else if (fn[0] === 'Fn::GetAtt') {
      const [id, attribute] = typeof fn[1] === 'string' ? fn[1].split(/\.(.*)/) : (fn[1] as unknown[]);
      this.getAtt(id, attribute, path);
    } else if (fn[0] === 'Fn::Sub') this.sub(fn[1], path);
    else this.references(fn[1], path);
  }

  /** `${Name}` and `${Name.Attribute}` in an Fn::Sub string, unless `${!…}` (literal) or a variable. */
  private sub(args: unknown, path: string): void {
    const [text, variables] = typeof args === 'string' ? [args, {}] : (args as [unknown, unknown]);
    if (typeof text !== 'string') {
      this.problem(path, 'Fn::Sub needs a string');
      return;
    }
    for (const [, variable] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
      if (variable === undefined || (isObject(variables) && variable in variables)) continue;
      const [id, attribute] = variable.split(/\.(.*)/);
      if (attribute === undefined) this.ref(id, path);
      else this.getAtt(id, attribute, path);
    }
    this.references(variables, path);
  }

  private ref(target: unknown, path: string) {
    if (typeof target !== 'string') return this.problem(path, 'Ref needs a name');
    if (PSEUDO_PARAMETERS.has(target) || target in this.resources) return;
    if (isObject(this.template.Parameters) && target in this.template.Parameters) return;
    this.problem(path, `Ref to ${target}: no such resource or parameter`);
  }

  private getAtt(id: unknown, attribute: unknown, path: string): void {
    const target = typeof id === 'string' ? this.resources[id] : undefined;
    if (!target) {
      this.problem(path, `Fn::GetAtt of ${String(id)}: no such resource`);
      return;
    }
    if (typeof attribute !== 'string') {
      this.references(attribute, path);
      return;
    }
    const type = String(target.Type);
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return;
    const schema = this.schema(type);
    if (schema && !(attribute in schema.attributes))
      this.problem(
        path,
        `Fn::GetAtt ${String(id)}.${attribute}: ${type} has no attribute ${attribute} (it has ${Object.keys(schema.attributes).join(', ')})`,
      );
  }
}
