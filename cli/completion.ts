// Bash completion generated from the CLI's own command tree (commands, subcommands, options), so it
// cannot drift from what the CLI accepts. Ids (conferences, sites, groups, templates) come from the
// running daemon through the hidden `vcbridge __complete KIND` command, which prints one per line
// and nothing at all when the daemon cannot be reached.
import type { Command, Option } from 'commander';

export type IdKind = 'conferences' | 'endpoints' | 'groups' | 'templates' | 'schedules';

/** What an option's value or an argument is, by its name. */
const OPTION_KINDS: Record<string, IdKind | string[]> = {
  '--template': 'templates',
  '--chair': 'endpoints',
  '--upstream': 'endpoints',
  '--for': 'endpoints',
  '--endpoints': 'endpoints',
  '--sites': 'endpoints',
  '--group': 'groups',
  '--conference': 'conferences',
  '--endpoint': 'endpoints',
  '--id': 'schedules',
  '--mode': ['broadcast', 'rollcall', 'voice', 'select'],
  '--lang': ['en', 'zh'],
  '--state': ['unknown', 'reachable', 'degraded', 'unreachable'],
  '--screen': ['overview', 'conference', 'technician', 'schedule'],
};

function argumentKind(path: string, name: string, index: number): IdKind | undefined {
  const top = path.split(' ')[0];
  if (index === 0 && name === 'id') {
    if (top === 'conf') return 'conferences';
    if (top === 'template') return 'templates';
    if (top === 'schedule') return 'schedules';
    if (top === 'endpoint') return 'endpoints';
  }
  if (/^(site|sites|source)$/.test(name)) return 'endpoints';
  return undefined;
}

interface Node {
  path: string;
  subcommands: string[];
  options: string[];
  valueOptions: string[];
  args: string[];
}

function visible(c: Command): Command[] {
  return c.commands.filter((s) => !(s as unknown as { _hidden?: boolean })._hidden);
}

function walk(c: Command, path: string, out: Node[]): void {
  const opts = (c.options as readonly Option[]).filter((o) => !o.hidden && o.long);
  out.push({
    path,
    subcommands: visible(c).map((s) => s.name()),
    options: [...opts.map((o) => o.long!), '--help'],
    valueOptions: opts.filter((o) => o.required || o.optional).map((o) => o.long!),
    args: c.registeredArguments.map((a, i) => argumentKind(path, a.name(), i) ?? '-'),
  });
  for (const s of visible(c)) walk(s, path ? `${path} ${s.name()}` : s.name(), out);
}

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/** The bash completion script for `program` (vcbridge). */
export function bashCompletion(program: Command): string {
  const nodes: Node[] = [];
  walk(program, '', nodes);
  const globals = nodes[0]!.options.filter((o) => o !== '--help');
  const table = (name: string, pick: (n: Node) => string[]): string =>
    `  ${name}=(\n${nodes.map((n) => `    [${q(n.path || '.')}]=${q(pick(n).join(' '))}`).join('\n')}\n  )`;
  const kinds = Object.entries(OPTION_KINDS)
    .map(([o, k]) => `    [${q(o)}]=${q(Array.isArray(k) ? `=${k.join(' ')}` : k)}`)
    .join('\n');
  return `# bash completion for vcbridge — generated from its command tree by \`vcbridge completion bash\`;
# ids (conferences, sites, groups, templates, schedules) come from the running daemon.
_vcbridge_ids() {
  command vcbridge __complete "$1" 2>/dev/null
}

_vcbridge() {
  local cur prev
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local -A cmds opts vopts args kinds
${table('cmds', (n) => n.subcommands)}
${table('opts', (n) => n.options)}
${table('vopts', (n) => n.valueOptions)}
${table('args', (n) => n.args)}
  kinds=(
${kinds}
  )
  local globals=${q(globals.join(' '))} gvopts='--url --token --lang'
  # the command path so far, and how many positional arguments follow it
  local path='.' npos=0 i w skip=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      [[ " \${vopts[$path]} $gvopts " == *" $w "* ]] && skip=1
      continue
    fi
    local next
    if [[ $path == . ]]; then next="$w"; else next="$path $w"; fi
    if ((npos == 0)) && [[ " \${cmds[$path]} " == *" $w "* ]]; then path="$next"; else npos=$((npos + 1)); fi
  done
  local kind=''
  if [[ " \${vopts[$path]} $gvopts " == *" $prev "* ]]; then
    kind="\${kinds[$prev]}"
    [[ -z $kind ]] && return 0
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "\${opts[$path]} $globals" -- "$cur"))
    return 0
  elif [[ -n \${cmds[$path]} ]] && ((npos == 0)); then
    COMPREPLY=($(compgen -W "\${cmds[$path]}" -- "$cur"))
    return 0
  else
    local a=(\${args[$path]})
    kind="\${a[npos]:-\${a[-1]}}"
    [[ $kind == - || -z $kind ]] && return 0
  fi
  if [[ $kind == =* ]]; then
    COMPREPLY=($(compgen -W "\${kind#=}" -- "$cur"))
  else
    # comma-separated lists (--sites a,b,c) complete their last element
    local head="" last="$cur"
    if [[ $cur == *,* ]]; then head="\${cur%,*},"; last="\${cur##*,}"; fi
    local ids
    ids="$(_vcbridge_ids "$kind")"
    COMPREPLY=($(compgen -P "$head" -W "$ids" -- "$last"))
  fi
}
complete -o default -F _vcbridge vcbridge

_vcbridged() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=($(compgen -W '--config --data-dir --log-file --help' -- "$cur"))
}
complete -o default -F _vcbridged vcbridged
`;
}
