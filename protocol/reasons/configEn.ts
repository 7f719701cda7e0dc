// English templates of the site config's errors and warnings (daemon/config: loading, schema, cross-field rules).
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
// One issue is printed as "file:line path: message"; the message is one of these templates (the CLI
// says the message in the operator's language and keeps file, line and path as they are).
export const CONFIG_REASONS_EN = {
  // loading the file
  'config.notFound': 'config file not found: {file} (give one with --config)',
  'config.unreadable': 'cannot read config file {file}: {detail}',
  'config.invalid': 'invalid site config {file} ({n} problems):',
  'config.invalidOne': 'invalid site config {file} (1 problem):',
  'config.yamlSyntax': 'YAML syntax error at column {col}: {detail}',
  // the yaml package's own words (keyed on them, so the English stays what it says and Chinese can
  // be given); a message not listed here falls back to config.yamlSyntax with its text as detail
  'config.yaml.dupKey': 'YAML syntax error at column {col}: Map keys must be unique',
  'config.yaml.sameColumn': 'YAML syntax error at column {col}: All mapping items must start at the same column',
  'config.yaml.flowSeqIndent':
    'YAML syntax error at column {col}: Flow sequence in block collection must be sufficiently indented and end with a ]',
  'config.yaml.flowSeqEnd': 'YAML syntax error at column {col}: Flow sequence must end with a ]',
  'config.yaml.flowMapEnd': 'YAML syntax error at column {col}: Flow map must end with a }',
  'config.yaml.closingQuote': 'YAML syntax error at column {col}: Missing closing {quote}quote',
  'config.yaml.tabIndent': 'YAML syntax error at column {col}: Tabs are not allowed as indentation',
  'config.yaml.compactNested': 'YAML syntax error at column {col}: Nested mappings are not allowed in compact mappings',
  'config.yaml.multilineKey': 'YAML syntax error at column {col}: Implicit keys need to be on a single line',
  'config.yaml.reservedChar':
    'YAML syntax error at column {col}: Plain value cannot start with reserved character {char}',
  'config.yaml.badEscape': 'YAML syntax error at column {col}: Invalid escape sequence {seq}',
  'config.yaml.multipleDocs':
    'YAML syntax error at column {col}: Source contains multiple documents; please use YAML.parseAllDocuments()',
  'config.yaml.nodeEnd': 'YAML syntax error at column {col}: Unexpected scalar at node end',
  /** A warning of the yaml package ("file:line (yaml): …"): a tag it does not know (!!int x, !foo). */
  'config.yaml.unresolvedTag': 'Unresolved tag: {tag}',
  'config.yamlExpand': 'cannot expand the YAML document: {detail}',
  'config.empty': 'the file is empty (expected a mapping with at least "site" and "operators")',

  // shape errors (zod issues, said per issue code with its parameters)
  'config.unknownKey': 'unknown key "{key}"',
  'config.unknownKeyHint': 'unknown key "{key}"; did you mean "{hint}"?',
  'config.unknownKeyAllowed': 'unknown key "{key}" (allowed: {allowed})',
  'config.required': 'required (expected {expected})',
  'config.wrongType': 'expected {expected}, got {got}',
  'config.oneOf': 'must be one of {values}',
  'config.oneOfGot': 'must be one of {values} (got {got})',
  'config.min': 'must be >= {min}',
  'config.minGot': 'must be >= {min} (got {got})',
  'config.max': 'must be <= {max}',
  'config.maxGot': 'must be <= {max} (got {got})',
  'config.above': 'must be > {min}',
  'config.aboveGot': 'must be > {min} (got {got})',
  'config.below': 'must be < {max}',
  'config.belowGot': 'must be < {max} (got {got})',
  'config.itemsMin': 'needs at least {n} item(s), has {has}',
  'config.itemsMax': 'needs at most {n} item(s), has {has}',
  'config.notEmpty': 'must not be empty',
  'config.charsMin': 'must have at least {n} characters',
  'config.charsMax': 'must have at most {n} characters',
  'config.tooSmall': 'is too small (minimum {min})',
  'config.tooBig': 'is too large (maximum {max})',
  'config.url': 'not a valid URL',
  'config.pattern': 'does not match the pattern {pattern}',
  'config.format': 'not a valid {format}',
  'config.union': 'matches none of the allowed forms',
  'config.multipleOf': 'must be a multiple of {divisor}',
  'config.badKey': 'has an invalid key',
  'config.badItem': 'has an invalid item',
  'config.invalidValue': 'is not valid',
  /** A message of the schema plus the value the file has (never a secret's). */
  'config.withGot': '{message} (got {got})',
  // the value a field has, as "got ..." names it
  'config.val.null': 'null',
  'config.val.list': 'a list',
  'config.val.mapping': 'a mapping',
  'config.val.string': 'string {text}',
  'config.val.number': 'number {value}',
  'config.val.boolean': 'boolean {value}',
  // the types zod expects
  'config.type.string': 'string',
  'config.type.number': 'number',
  'config.type.int': 'int',
  'config.type.boolean': 'boolean',
  'config.type.object': 'object',
  'config.type.array': 'array',
  // the schema's own rules for one field
  'config.idPattern': 'must be lower-case letters, digits, "-" or "_", starting with a letter (max 32)',
  'config.notSipUri': 'not a SIP URI (expected sip:user@host[:port])',
  'config.pinDigits': 'digits, * and # only',
  'config.raiseHandDigits': 'digits, * and # only (1 to 8)',
  'config.operatorName': 'letters, digits, ".", "_" or "-"',
  'config.tokenHash': 'must be "sha256:" followed by 64 hex digits',
  'config.rangeOrder': 'min {min} is greater than max {max}',
  'config.timezone': 'not a known IANA time zone (e.g. Asia/Shanghai)',
  'config.noOperator': 'at least one operator is needed (nobody could use the API otherwise)',

  // secrets
  'config.secretName': '"{value}" does not name an environment variable (expected env:NAME)',
  'config.secretUnset': 'environment variable {name} is not set (the secret is written as env:{name})',
  'config.secretUnsetNeeded': 'environment variable {name} is not set (needed by a secret written as env:{name})',

  // cross-field rules: groups, endpoints
  'config.dupGroup': 'duplicate group id "{id}" (already used by groups[{first}])',
  'config.dupEndpoint': 'duplicate endpoint id "{id}" (already used by endpoints[{first}])',
  'config.idIsGroup': 'endpoint id "{id}" is also a group id; commands that take either will pick the endpoint',
  'config.unknownGroup': 'unknown group "{group}" (known: {known})',
  'config.unknownGroupNone': 'unknown group "{group}" (no groups are defined)',
  'config.unknownGroupKnownNone': 'unknown group "{group}" (known: none)',
  'config.pinIgnored': 'a DTMF PIN is only sent to the upstream; it is ignored here',
  'config.registerCreds': 'register needs credentials (username and password) on this endpoint',
  'config.challengeCreds': 'challengeDialIn needs credentials on this endpoint to check the dial-in against',
  'config.sipsNotTls': 'a sips: URI is dialled over TLS, but transport is {transport}',
  'config.uriTransport': "the URI says transport={uriTransport} but the endpoint's transport is {transport}",
  'config.sameAddress': 'same host and port as endpoint "{owner}"; dial-ins from {addr} cannot be told apart',
  'config.tlsNoListener': 'transport tls, but sip.listen has no tls entry',
  'config.tlsUnverified':
    'the certificate of this room is not verified: anyone on the path can pose as it and read the signalling (SRTP keys included)',
  'config.tlsVerifyNoEffect': 'tlsVerify: false has no effect on transport {transport}',
  'config.upstreams': 'more than one upstream ({names}); a meeting links to one upstream at a time',

  // templates (会议模板)
  'config.dupTemplate': 'duplicate template id "{id}" (already used by templates[{first}])',
  'config.unknownSite': 'unknown site "{id}" (known: {known})',
  'config.unknownSiteNone': 'unknown site "{id}" (known: none)',
  'config.notUpstream': '"{id}" is a {kind} site, not an upstream link',
  'config.templateEmpty': 'the template names no site: give endpoints, groups, a chair or an upstream',
  'config.sitesOrGroup': 'give sites or group, not both',
  'config.paneTarget':
    "a pane with a target needs the target's own layout, which a template does not set: drop target or pane",
  'config.paneNoLayout': 'polling a pane needs a multi-picture layout: give the template a layout',
  'config.paneRange': 'pane {pane} is out of range: layout {layout} has panes 1-{max}',

  // sockets and ports
  'config.dupListen': 'same transport, host and port as sip.listen[{first}]',
  'config.tlsNeedsCert': 'a tls listener needs sip.tls (cert and key)',
  'config.apiPortClash': "port {port} on {host} is also the control API's port (api.port)",
  'config.inRtpPorts': 'port {port} lies inside media.rtpPorts {min}-{max}',
  'config.inRelayPorts': 'port {port} lies inside media.relayPorts {min}-{max}',
  'config.rangesOverlap': 'relayPorts {relayMin}-{relayMax} overlap rtpPorts {rtpMin}-{rtpMax}',
  'config.fileMissing': 'file not found: {path}',
  'config.notAFile': 'not a regular file: {path}',

  // operators, health
  'config.dupOperator': 'duplicate operator name "{name}" (already used by operators[{first}])',
  'config.sameToken': 'same token as operators[{first}] ("{name}"); every operator needs their own token',
  'config.demoToken':
    'this is the published demo token and api.host {host} is not loopback: anyone who can reach it can control the bridge',
  'config.probeTimeout': 'timeout {ms} ms is not shorter than the probe interval ({s} s)',

  // what a reload changes (daemon/config/diff.ts): the reload's answer and the daemon.reloaded notice
  'config.ch.siteName': 'site name: "{from}" → "{to}"',
  'config.ch.timezone': 'site timezone: {from} → {to}',
  'config.ch.sip': 'SIP listeners/TLS/identity changed ({keys}) — needs restart',
  'config.ch.media': 'media ports and addresses changed ({keys}) — needs restart',
  'config.ch.api': 'control API bind/TLS changed ({keys}) — needs restart',
  'config.ch.health': 'health probing changed ({keys})',
  'config.ch.scheduler': 'scheduler limits changed ({keys})',
  'config.ch.logging': 'logging changed ({keys})',
  'config.ch.recording': 'recording settings changed ({keys})',
  'config.ch.live': 'live streaming settings changed ({keys})',
  'config.ch.groupAdded': 'group added: {label}',
  'config.ch.groupRemoved': 'group removed: {label}',
  'config.ch.groupChanged': 'group changed: {label} (name)',
  'config.ch.endpointAdded': 'endpoint added: {label} {uri}',
  'config.ch.endpointRemoved': 'endpoint removed: {label}',
  'config.ch.endpointChanged': 'endpoint changed: {label} ({keys})',
  'config.ch.endpointMoved': 'endpoint changed: {label} ({keys}; uri {from} → {to})',
  'config.ch.templateAdded': 'template added: {label}',
  'config.ch.templateRemoved': 'template removed: {label}',
  'config.ch.templateChanged': 'template changed: {label} ({keys})',
  'config.ch.operatorAdded': 'operator added: {name} ({role})',
  'config.ch.operatorRemoved': 'operator removed: {name}',
  'config.ch.operatorRole': 'operator {name}: role {from} → {to}',
  'config.ch.operatorToken': 'operator {name}: token replaced',
  // an operator's role (operators[].role)
  'config.role.operator': 'operator',
  'config.role.technician': 'technician',
  'config.role.viewer': 'viewer',
} as const;
