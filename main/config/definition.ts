// The configuration, declared once (DESIGN §7, keys in §10). Everything else is derived from
// this JSON Schema: the TypeScript types (Static), the defaults (ajv useDefaults), the error
// messages (x-fix, x-invalid), the ministry's partial schema (x-managed), the secret fields
// (x-secret), the paths resolved against the config folder (x-path), RETRY_DEFAULTS and
// docs/configuration.md. A new setting is one entry here.
//
// Annotations (besides description and default):
//   x-fix      how to put it right when the key is missing or of the wrong type
//   x-invalid  the problem in plain words when a pattern or value list does not match
//   x-secret   a reference (env:, file:, keychain:) to a secret, never the value; masked for display
//   x-example  a reference shown in the fix of a secret setting
//   x-path     a file or folder path, made absolute against the config file's folder
//   x-managed  a top-level key the ministry's signed documents may set (docs/managed-config.md)
//   x-default  the default in words, when it is computed from another key
//   x-branches, x-branch  the members of a union chosen by `type` (see byType)
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/** Largest record converted by default (MiB); `vhr-agent convert` uses it too. */
export const DEFAULT_MAX_RECORD_MIB = 32;

/** A closed list of words: `enum` gives ajv's check and the docs their list. */
function words<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * One object out of several, chosen by its `type` key (if/then per branch, so ajv reports only
 * the chosen branch's problems and fills that branch's defaults).
 */
function byType<const B extends readonly TObject[]>(branches: B, options: { typeDefault?: string; description?: string; default?: object } = {}) {
  const types = branches.map((b) => (b.properties.type as unknown as { enum: string[] }).enum[0]!);
  return Type.Unsafe<Static<B[number]>>({
    type: 'object',
    ...(options.description ? { description: options.description } : {}),
    ...(options.default ? { default: options.default } : {}),
    properties: { type: { type: 'string', enum: types, ...(options.typeDefault ? { default: options.typeDefault } : {}) } },
    ...(options.typeDefault ? {} : { required: ['type'] }),
    // allOf runs before the defaults of `properties` are filled: the default branch also
    // applies when `type` is left out.
    allOf: branches.map((b, i) => ({
      if:
        types[i] === options.typeDefault
          ? { anyOf: [{ not: { required: ['type'] } }, { required: ['type'], properties: { type: { const: types[i] } } }] }
          : { required: ['type'], properties: { type: { const: types[i] } } },
      then: { ...b, required: b.required?.filter((k) => k !== 'type'), 'x-branch': true },
    })),
    'x-branches': branches,
  });
}

const closed = { additionalProperties: false } as const;
const ID = Type.String({
  pattern: '^[A-Za-z0-9_.-]{1,64}$',
  description: 'Name of this source or destination, unique in the file; shown in the UI, logs and audit.',
  'x-invalid': "use letters, digits, '-', '_' or '.' (at most 64)",
});
const secret = (description: string, example: string) => Type.String({ description, 'x-secret': true, 'x-example': example });

// ── Sources ─────────────────────────────────────────────────────────────────────────

const FolderSource = Type.Object(
  {
    id: ID,
    type: words(['folder'] as const),
    path: Type.String({ description: 'Folder the HIS exports claim XML (or HL7v2 files) into.', 'x-path': true }),
    format: words(['xml130', 'hl7v2', 'auto'] as const, { default: 'xml130', description: 'What the files hold; auto tells by content.' }),
    quietMs: Type.Number({ minimum: 0, maximum: 600_000, default: 2000, description: 'How long size and mtime must stay unchanged before a file is read (ms).' }),
    processedDir: Type.String({ description: 'Where read files are moved.', 'x-path': true, 'x-default': '<path>/processed' }),
    errorDir: Type.String({ description: 'Where unreadable files are moved, with the reason beside them.', 'x-path': true, 'x-default': '<path>/error' }),
    commitEvery: Type.Number({
      minimum: 1,
      maximum: 100_000,
      default: 200,
      description: 'Records committed per intake transaction: larger is faster, smaller re-reads less after a crash.',
    }),
    maxFileBytes: Type.Optional(Type.Number({ minimum: 1024, maximum: 64 * 1024 ** 3, default: 2 * 1024 ** 3, description: 'Larger files are refused unread, moved to error/ with the reason.' })),
    maxRecordBytes: Type.Optional(Type.Number({ minimum: 1024, maximum: 1024 ** 3, default: 256 * 1024 ** 2, description: 'Largest single record (HOSO) accepted, in bytes of its base64 text.' })),
  },
  { ...closed, description: 'A folder watched for claim XML or HL7v2 files.' },
);

/** Keys whose default is computed from other keys (x-default): typed as always set, not required in the file. */
function computedDefaults<T extends TObject>(object: T, keys: readonly (keyof T['properties'] & string)[]): T {
  object.required = object.required?.filter((k) => !keys.includes(k));
  return object;
}
computedDefaults(FolderSource, ['processedDir', 'errorDir']);

const MllpSource = Type.Object(
  {
    id: ID,
    type: words(['mllp'] as const),
    host: Type.String({ default: '0.0.0.0', description: 'Address the HL7v2 listener binds to.' }),
    port: Type.Number({ minimum: 0, maximum: 65535, default: 2575, description: 'TCP port of the listener (0 = any free port).' }),
    format: words(['hl7v2'] as const, { default: 'hl7v2' }),
    charset: Type.Optional(Type.String({ description: 'Charset override for senders whose MSH-18 is missing or wrong.' })),
    maxMessageBytes: Type.Number({ minimum: 1024, maximum: 1024 ** 3, default: 16 * 1024 ** 2, description: 'Largest message accepted; larger ones get AR.' }),
    ackMode: words(['original', 'enhanced'] as const, {
      default: 'original',
      description: 'original: AA after commit; enhanced: CA after commit, then an application ACK after conversion.',
    }),
    acceptProcessingIds: Type.Array(Type.String(), { default: [], description: 'MSH-11 processing ids accepted (e.g. [P]); others get AR. Empty = all.' }),
    idleTimeoutMs: Type.Number({ minimum: 1000, maximum: 86_400_000, default: 300_000, description: 'A connection silent this long is closed (ms).' }),
    allow: Type.Array(Type.String(), {
      default: [],
      description: 'Sender addresses accepted, as CIDR blocks or single addresses, IPv4 or IPv6 (e.g. [10.20.0.0/16, fd00::/8]). Empty = every address, shown as a warning in the status.',
    }),
    maxConnections: Type.Number({ minimum: 1, maximum: 10_000, default: 256, description: 'Open connections at most; further ones are closed at once.' }),
    maxBufferedBytes: Type.Number({
      minimum: 1024 ** 2,
      maximum: 8 * 1024 ** 3,
      default: 128 * 1024 ** 2,
      description: 'Bytes of unfinished messages held across all connections at most; over it, the connection holding the most is dropped.',
    }),
    tls: Type.Optional(
      Type.Object(
        {
          cert: Type.String({ description: 'PEM certificate (chain) the listener presents.', 'x-path': true }),
          key: Type.String({ description: 'PEM private key of that certificate.', 'x-path': true }),
        },
        { ...closed, description: 'MLLP over TLS: senders connect with TLS 1.2 or later.' },
      ),
    ),
  },
  { ...closed, description: 'An HL7v2 MLLP listener.' },
);

// ── Destinations: auth and TLS (DESIGN §9) ─────────────────────────────────────────────

const NoAuth = Type.Object({ type: words(['none'] as const) }, { ...closed, description: 'No credential.' });
const BearerAuth = Type.Object(
  { type: words(['bearer'] as const), token: secret('The bearer token, by reference.', 'env:PROVINCE_TOKEN') },
  { ...closed, description: 'A fixed bearer token.' },
);
const OAuth2Auth = Type.Object(
  {
    type: words(['oauth2'] as const),
    tokenUrl: Type.String({ description: 'Token endpoint; https:// (plain http only on this machine).' }),
    clientId: Type.String({ description: 'The client id issued to this facility.' }),
    clientSecret: secret('The client secret, by reference.', 'env:PROVINCE_CLIENT_SECRET'),
    scope: Type.Optional(Type.String({ description: 'Scope asked for, e.g. system/*.write.' })),
    audience: Type.Optional(Type.String({ description: 'Sent as `audience` for authorization servers that issue tokens per API.' })),
    clientAuth: words(['basic', 'post'] as const, {
      default: 'basic',
      description: 'How the client authenticates to the token endpoint: HTTP Basic (RFC 6749 §2.3.1) or form fields.',
    }),
  },
  { ...closed, description: 'OAuth 2.0 client credentials grant (RFC 6749 §4.4).' },
);
const MtlsAuth = Type.Object({ type: words(['mtls'] as const) }, { ...closed, description: 'The client certificate in `tls` is the only credential.' });

const Tls = Type.Object(
  {
    caFile: Type.Optional(Type.String({ description: 'PEM CA certificate(s) trusted in addition to the public roots (a private or ministry CA).', 'x-path': true })),
    certFile: Type.Optional(Type.String({ description: 'PEM client certificate (chain) for mutual TLS; needs keyFile.', 'x-path': true })),
    keyFile: Type.Optional(Type.String({ description: "The client certificate's private key (PEM).", 'x-path': true })),
    keyPassphrase: Type.Optional(secret('Passphrase of an encrypted keyFile, by reference.', 'env:PROVINCE_KEY_PASSPHRASE')),
  },
  { ...closed, description: 'Trust and client certificate of one destination; verification itself cannot be turned off.' },
);

const Destination = Type.Object(
  {
    id: ID,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120, description: 'Name shown to people in the UI and reports, e.g. "Sở Y tế Hà Nội" or "Bộ Y tế"; absent: the id.' })),
    type: words(['fhir'] as const, { default: 'fhir' }),
    baseUrl: Type.String({ description: 'Base URL of the FHIR R4 store: https:// (or http:// on a trusted network).' }),
    auth: byType([NoAuth, BearerAuth, OAuth2Auth, MtlsAuth] as const, { typeDefault: 'none', default: {}, description: 'How the agent proves who it is to the store.' }),
    mode: words(['transaction', 'batch', 'operation'] as const, {
      default: 'transaction',
      description: 'transaction or batch: POST the Bundle to the base; operation: VN Core `Bundle/$submit-bhyt-claim`.',
    }),
    operationMode: Type.Optional(
      words(['test', 'production'] as const, { description: '`mode` parameter of `$submit-bhyt-claim`; required exactly when mode is operation.' }),
    ),
    tls: Type.Optional(Tls),
    timeoutMs: Type.Number({ minimum: 100, maximum: 600_000, default: 30_000, description: 'Time allowed for one request (ms).' }),
    concurrency: Type.Number({ minimum: 1, maximum: 64, default: 4, description: 'Deliveries in flight at once to this destination.' }),
    maxBatch: Type.Number({ minimum: 1, maximum: 500, default: 20, description: 'Most records merged into one transaction while the store is healthy (adaptive batching).' }),
    maxEntriesPerRequest: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Most Bundle entries one request to this store may carry (DESIGN §10); a larger record is delivered in several requests. Absent: no known limit (learned from the store\'s refusals).' })),
  },
  { ...closed, description: 'A FHIR store records are delivered to.' },
);

// ── Sections ─────────────────────────────────────────────────────────────────────────

const Retry = Type.Object(
  {
    baseDelayMs: Type.Number({ minimum: 1, maximum: 3_600_000, default: 2000, description: 'Delay after the first failed attempt (ms).' }),
    maxDelayMs: Type.Number({ minimum: 1, maximum: 86_400_000, default: 600_000, description: 'Longest delay between attempts (ms); not below baseDelayMs.' }),
    factor: Type.Number({ minimum: 1, maximum: 10, default: 2, description: 'Each further delay is this many times the last.' }),
    jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.2, description: 'Delays vary by ± this fraction, so stores are not hit in step.' }),
    probeIntervalMs: Type.Optional(Type.Number({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description: 'While a store is down, how often it is asked (GET /metadata) whether it answers again (ms); the first answer resumes its deliveries at once, however long the outage.',
    })),
  },
  { ...closed, default: {}, description: 'When to try a delivery again (DESIGN §4.5).', 'x-managed': true },
);


/**
 * The status screen for other desks of the hospital (docs/service.md §5): off by default; when
 * on, a second listener on the LAN, HTTPS only, with user accounts instead of the token.
 */
const StatusLan = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Serve the status screen on the LAN too (TLS, user accounts with roles).' }),
    host: Type.String({ default: '0.0.0.0', description: 'Address to listen on: 0.0.0.0 (every interface) or this machine\'s LAN address.' }),
    port: Type.Number({ minimum: 0, maximum: 65535, default: 8443, description: 'TCP port of the LAN screen (https).' }),
    tls: Type.Object(
      {
        certFile: Type.Optional(Type.String({ description: 'The hospital\'s certificate (PEM); with keyFile. Left out: one is generated in <dataDir>/tls/.', 'x-path': true })),
        keyFile: Type.Optional(Type.String({ description: 'Its private key (PEM).', 'x-path': true })),
      },
      { ...closed, default: {}, description: 'The LAN screen is never served without TLS.' },
    ),
    names: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Host names and addresses a generated certificate is made for (what officers type).' }),
    idleMinutes: Type.Number({ minimum: 1, maximum: 1440, default: 30, description: 'A session ends after this long without a request.' }),
    sessionHours: Type.Number({ minimum: 1, maximum: 168, default: 12, description: 'A session ends after this long in any case.' }),
  },
  { ...closed, description: 'The status screen for other desks (docs/service.md); left out, it is off.' },
);

export const ConfigSchema = Type.Object(
  {
    facility: Type.Object(
      {
        code: Type.String({
          pattern: '^[0-9A-Za-z]{5}$',
          description: 'MA_CSKCB of the facility, issued by Vietnam Social Security.',
          'x-invalid': 'must be the 5-character MA_CSKCB issued by Vietnam Social Security',
          'x-fix': 'give the 5-character MA_CSKCB in quotes, e.g. code: "01001"',
        }),
        name: Type.Optional(Type.String({ description: 'Name shown in the UI.' })),
      },
      { ...closed, description: 'The facility this agent works for.' },
    ),
    dataDir: Type.String({
      description: 'Where the queue database, keys, logs and api.json live.',
      'x-path': true,
      'x-fix': 'give a folder the agent may write to, e.g. C:/ProgramData/vhr-agent',
    }),
    sources: Type.Array(byType([FolderSource, MllpSource] as const), { default: [], description: 'Where records come from.' }),
    destinations: Type.Array(Destination, { default: [], description: 'Where records are delivered.', 'x-managed': true }),
    statusApi: Type.Object(
      {
        host: Type.String({
          enum: ['127.0.0.1', 'localhost', '::1'],
          default: '127.0.0.1',
          description: 'The status API and UI listen on loopback only.',
          'x-invalid': 'the status API listens on loopback only (127.0.0.1 or ::1)',
        }),
        port: Type.Number({ minimum: 0, maximum: 65535, default: 0, description: 'TCP port (0 = any free port; the URL is written to <dataDir>/api.json).' }),
        lan: Type.Optional(StatusLan),
      },
      { ...closed, default: {}, description: 'The loopback status API the UI and CLI use.' },
    ),
    retry: Retry,
    logging: Type.Object(
      {
        level: words(['error', 'warn', 'info', 'debug'] as const, { default: 'info', description: 'Least severe level written.' }),
        retainDays: Type.Number({ minimum: 1, maximum: 3650, default: 30, description: 'Days of log files kept in <dataDir>/logs/.' }),
      },
      { ...closed, default: {}, description: 'Log files.', 'x-managed': true },
    ),
    alerts: Type.Object(
      {
        webhookUrl: Type.Optional(Type.String({ description: 'POST every opened/closed alert as JSON here.' })),
        backlogThreshold: Type.Number({ minimum: 1, maximum: 100_000_000, default: 5000, description: 'Open deliveries at one destination above which a backlog alert opens.' }),
        noInputWorkingHours: Type.Number({
          minimum: 0,
          maximum: 1000,
          default: 4,
          description: 'No record received for this many working hours (Mon–Sat 07–17, UTC+7) → alert; 0 = never.',
        }),
      },
      { ...closed, default: {}, description: 'When the operator is warned.' },
    ),
    security: Type.Object(
      {
        encryptAtRest: Type.Boolean({ default: true, description: 'Seal stored payloads with AES-256-GCM (DESIGN §9); on unless turned off on purpose.' }),
        dataKey: Type.Optional(
          Type.String({
            pattern: '^env:',
            description: 'The data key by reference (env:NAME, base64 of 32 bytes) instead of <dataDir>/keys.json.',
            'x-secret': true,
            'x-invalid': 'give a reference such as env:VHR_DATA_KEY, never the key itself',
          }),
        ),
      },
      { ...closed, default: {}, description: 'Protection of stored records.' },
    ),
    retention: Type.Object(
      {
        deliveredPayloadDays: Type.Number({
          minimum: 0,
          maximum: 3650,
          default: 30,
          description: 'Payloads (raw input, bundle) of records delivered everywhere are dropped after this many days.',
        }),
        maxPayloadMiB: Type.Number({ minimum: 1, maximum: 10_000_000, default: 4096, description: 'And beyond this total size (MiB), oldest delivered first.' }),
      },
      { ...closed, default: {}, description: 'How long delivered payloads are kept.', 'x-managed': true },
    ),
    conversion: Type.Object(
      {
        threads: Type.Integer({
          minimum: 0,
          maximum: 64,
          default: 0,
          description: 'Threads converting and validating records beside the one that owns sockets, the database and the API; 0 = cores − 1, at least 1.',
        }),
        maxRecordMiB: Type.Number({
          minimum: 1,
          maximum: 4096,
          default: DEFAULT_MAX_RECORD_MIB,
          description:
            'Records larger than this (MiB) are not converted: kept as received and shown invalid (CONVERT_RECORD_TOO_LARGE) with their size. Converting a claim record takes about 25× its size in memory.',
        }),
      },
      { ...closed, default: {}, description: 'The conversion engine (DESIGN §4.9).' },
    ),
    profilePack: Type.Optional(Type.String({ description: 'Path of a profile pack JSON; absent = the built-in VN Core pack.', 'x-path': true })),
    managed: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Type.String({ description: "URL the ministry's signed configuration document is fetched from." })),
          publicKey: Type.Optional(Type.String({ description: "The ministry's Ed25519 public key: PEM text, or the path of a PEM file." })),
        },
        { ...closed, description: 'Configuration managed by the ministry (docs/managed-config.md).' },
      ),
    ),
    hl7v2: Type.Optional(
      Type.Object(
        {
          assigningAuthorities: Type.Record(
            Type.String(),
            Type.String({
              pattern: '^((https?://|urn:)\\S+|[A-Za-z][A-Za-z0-9]*(@\\d{5})?)$',
              'x-invalid': 'give a meaning (mrn, cccd, bhyt …), mrn@MA_CSKCB or a URI',
            }),
            {
              default: {},
              description:
                "This facility's HL7v2 assigning authorities (CX-4) → the VN Core identifier they belong to: a pack meaning (mrn, cccd, bhyt …), a meaning of another facility (mrn@79024 → sid/ma-bn/79024) or a URI (docs/mapping-hl7v2.md, Identity).",
            },
          ),
        },
        { ...closed, description: 'HL7v2 settings of this facility.' },
      ),
    ),
  },
  { ...closed, description: 'The agent configuration file (YAML or JSON).' },
);

export type AgentConfig = Static<typeof ConfigSchema>;
export type SourceConfig = AgentConfig['sources'][number];
export type FolderSourceConfig = Extract<SourceConfig, { type: 'folder' }>;
export type MllpSourceConfig = Extract<SourceConfig, { type: 'mllp' }>;
export type DestinationConfig = AgentConfig['destinations'][number];
export type AuthConfig = DestinationConfig['auth'];
export type TlsConfig = NonNullable<DestinationConfig['tls']>;
export type DeliveryMode = DestinationConfig['mode'];
export type RetryConfig = AgentConfig['retry'];

/** The schema of one section, for code that derives from it (defaults, managed keys, docs). */
export type ConfigSchemaNode = TSchema & Record<string, unknown>;
