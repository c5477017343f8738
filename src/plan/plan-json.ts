import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv, ErrorObject } from 'ajv/dist/2020.js';
import { NodupeError } from '../core/errors.js';
import { jsonProblem } from '../core/json-problem.js';
import type { HashAlgorithm } from '../hash/algorithms.js';
import { displayPath, jsonPath, pathFromJson, type FsPath } from '../model/paths.js';
import {
  PLAN_SCHEMA,
  planWarnings,
  summarizePlan,
  type ActionOp,
  type Plan,
  type PlanGroup,
  type SimilarBasis,
} from './plan.js';
import { validatePlan } from './validate.js';

/** The JSON Schema of `nodupe.plan/1`, shipped in the repository's schema/ folder. */
const SCHEMA_URL = new URL('../../schema/nodupe.plan-1.schema.json', import.meta.url);

interface JsonPath {
  path: string;
  pathBytes?: string;
}

/** The plan as the JSON document `nodupe.plan/1`, with its summary (and a warning when it deletes or links). */
export function planToJson(plan: Plan): string {
  const summary = summarizePlan(plan);
  const warnings = planWarnings(plan);
  const doc = {
    schema: PLAN_SCHEMA,
    id: plan.id,
    createdAt: plan.createdAt,
    catalog: plan.catalog,
    algorithm: plan.algorithm,
    ...(plan.basis === undefined ? {} : { basis: plan.basis }),
    policy: plan.policy,
    action: plan.action,
    ...(plan.to === undefined ? {} : { to: plan.to }),
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
    summary,
    groups: plan.groups.map((g) => ({
      size: g.size,
      hash: g.hash,
      keepers: g.keepers.map((k) => ({
        ...jsonPath(k.path),
        dev: String(k.dev),
        ino: String(k.ino),
        size: k.size,
        mtimeNs: String(k.mtimeNs),
        ctimeNs: String(k.ctimeNs),
        ...(k.member === undefined ? {} : { member: k.member }),
        reason: k.reason,
      })),
      actions: g.actions.map((a) => {
        const keeper = jsonPath(a.keeper);
        return {
          op: a.op,
          ...jsonPath(a.path),
          keeper: keeper.path,
          ...(keeper.pathBytes === undefined ? {} : { keeperBytes: keeper.pathBytes }),
          ...(a.keeperMember === undefined ? {} : { keeperMember: a.keeperMember }),
          ...(a.to === undefined ? {} : { to: a.to }),
          expect: {
            size: a.expect.size,
            mtimeNs: String(a.expect.mtimeNs),
            ctimeNs: String(a.expect.ctimeNs),
            dev: String(a.expect.dev),
            ino: String(a.expect.ino),
            hash: a.expect.hash,
          },
          reason: a.reason,
        };
      }),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

let validateSchema: ReturnType<Ajv['compile']> | undefined;

function schemaValidator() {
  if (!validateSchema) {
    // ajv loads when the first plan is read, not with every command.
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv };
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    validateSchema = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  }
  return validateSchema;
}

/**
 * Reads a plan document: JSON, then the JSON Schema, then the rules the schema cannot say (every group has a
 * keeper, no path twice, ...). Anything wrong is a BAD_INPUT error naming `source` and the place in the plan.
 */
export function readPlan(text: string, source: string): Plan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new NodupeError(
      'BAD_INPUT',
      `${source} is not a plan: it is not valid JSON (${jsonProblem(error)}); was it cut short?`,
      { cause: error },
    );
  }
  const schema = (doc as { schema?: unknown } | null)?.schema;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new NodupeError('BAD_INPUT', `${source} is not a plan: expected a JSON object`);
  }
  if (schema !== PLAN_SCHEMA) {
    throw new NodupeError(
      'BAD_INPUT',
      `${source}: unknown plan schema ${JSON.stringify(schema)}; this nodupe reads "${PLAN_SCHEMA}"`,
    );
  }
  const validate = schemaValidator();
  if (!validate(doc)) throw new NodupeError('BAD_INPUT', `${source}: ${describeError(validate.errors![0]!)}`);
  const plan = fromDocument(doc as PlanDocument, source);
  validatePlan(plan, source);
  return plan;
}

function describeError(e: ErrorObject): string {
  if (e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === 'ctimeNs') {
    return (
      'this plan records no ctime (it was made by an older nodupe), so apply cannot tell an edit whose mtime ' +
      'was set back: make the plan again with `nodupe plan`'
    );
  }
  const where = e.instancePath === '' ? 'the plan' : e.instancePath.slice(1).replaceAll('/', '.');
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.join(', ');
    return `${where}: unknown value; expected one of ${allowed}`;
  }
  return `${where} ${e.message ?? 'is not valid'}`;
}

interface PlanDocument {
  id: string;
  createdAt: string;
  catalog: { id: string; location: string };
  algorithm: HashAlgorithm;
  basis?: SimilarBasis;
  policy: Plan['policy'];
  action: ActionOp;
  to?: string;
  groups: {
    size: number;
    hash: string;
    keepers: (JsonPath & {
      dev: string;
      ino: string;
      size: number;
      mtimeNs: string;
      ctimeNs: string;
      member?: string;
      reason?: string;
    })[];
    actions: (JsonPath & {
      op: ActionOp;
      keeper: string;
      keeperBytes?: string;
      keeperMember?: string;
      to?: string;
      reason?: string;
      expect: { size: number; mtimeNs: string; ctimeNs: string; dev: string; ino: string; hash: string };
    })[];
  }[];
}

/**
 * A path of the plan from its text and, when given, its raw bytes: bytes that are valid UTF-8 must say what the
 * text says (an edited plan cannot show one path and act on another).
 */
function planPath(text: string, base64: string | undefined, where: string, source: string): FsPath {
  const path = pathFromJson(text, base64);
  if (displayPath(path) !== text) {
    throw new NodupeError(
      'BAD_INPUT',
      `${source}: ${where} has raw bytes (${JSON.stringify(displayPath(path))}) that are not its path (${JSON.stringify(text)})`,
    );
  }
  return path;
}

function fromDocument(doc: PlanDocument, source: string): Plan {
  const groups: PlanGroup[] = doc.groups.map((g, gi) => ({
    size: g.size,
    hash: g.hash,
    keepers: g.keepers.map((k, ki) => ({
      path: planPath(k.path, k.pathBytes, `keeper ${ki + 1} of group ${gi + 1}`, source),
      dev: BigInt(k.dev),
      ino: BigInt(k.ino),
      size: k.size,
      mtimeNs: BigInt(k.mtimeNs),
      ctimeNs: BigInt(k.ctimeNs),
      ...(k.member === undefined ? {} : { member: k.member }),
      reason: k.reason ?? '',
    })),
    actions: g.actions.map((a, ai) => ({
      op: a.op,
      path: planPath(a.path, a.pathBytes, `action ${ai + 1} of group ${gi + 1}`, source),
      keeper: planPath(a.keeper, a.keeperBytes, `the keeper of action ${ai + 1} of group ${gi + 1}`, source),
      ...(a.keeperMember === undefined ? {} : { keeperMember: a.keeperMember }),
      expect: {
        size: a.expect.size,
        mtimeNs: BigInt(a.expect.mtimeNs),
        ctimeNs: BigInt(a.expect.ctimeNs),
        dev: BigInt(a.expect.dev),
        ino: BigInt(a.expect.ino),
        hash: a.expect.hash,
      },
      reason: a.reason ?? '',
      ...(a.to === undefined ? {} : { to: a.to }),
    })),
  }));
  return {
    id: doc.id,
    createdAt: doc.createdAt,
    catalog: doc.catalog,
    algorithm: doc.algorithm,
    ...(doc.basis === undefined
      ? {}
      : {
          basis: {
            kind: doc.basis.kind,
            detector: doc.basis.detector,
            maxDistance: doc.basis.maxDistance,
            distanceUnit: doc.basis.distanceUnit,
          },
        }),
    policy: doc.policy,
    action: doc.action,
    ...(doc.to === undefined ? {} : { to: doc.to }),
    groups,
  };
}
