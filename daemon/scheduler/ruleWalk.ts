import type { RRule as RRuleType } from 'rrule';
import { say } from '../../protocol/index.js';
import { VcError } from '../errors.js';
import { RRule, type ParsedRRule } from './rruleText.js';

// Bounded walks of a recurrence rule. The rrule package walks period by period (a day for DAILY)
// from DTSTART and calls back only on a match: a rule that never matches (FEB 30) walks to the
// year 9999 with the event loop blocked (6 s), and a series starting long ago walks all the
// years since on every expansion. Here every walk has a step budget, and DAILY/WEEKLY walks start
// near the window asked for instead of at DTSTART.

/** Most periods (days, weeks, months, years) walked to find a series' first date: a rule that
 *  finds none is refused when booked. The rarest real rule (29 February on a Monday) needs ~15,000. */
export const MAX_RULE_STEPS = 20_000;
/** Most periods one expansion of an accepted rule may walk (DAILY and WEEKLY walks start near
 *  their window): a safety net, refused with a clear error rather than a stalled event loop. */
export const MAX_WALK_STEPS = 100_000;

const DAY = 86_400_000;

class StepBudgetSpent extends Error {}

/** An rrule instance whose walks are counted (the package reads `options.interval` twice per
 *  period, in its loop and when it steps the counter date: that read is the step counter). */
class CountedRule {
  readonly rule: RRuleType;
  #left = Infinity;

  constructor(options: ConstructorParameters<typeof RRule>[0]) {
    this.rule = new RRule(options);
    const opts = this.rule.options as { interval: number };
    const interval = opts.interval;
    Object.defineProperty(opts, 'interval', {
      enumerable: true,
      configurable: true,
      get: () => {
        if (--this.#left < 0) throw new StepBudgetSpent();
        return interval;
      },
    });
  }

  walk<T>(text: string, fn: (r: RRuleType) => T, first: boolean): T {
    const limit = first ? MAX_RULE_STEPS : MAX_WALK_STEPS;
    this.#left = 2 * limit;
    try {
      return fn(this.rule);
    } catch (err) {
      if (!(err instanceof StepBudgetSpent)) throw err;
      throw first
        ? new VcError('SCHEDULE_INVALID', say('err.ruleNeverMatches', { rule: text, limit }), {
            limit: 'MAX_RULE_STEPS',
            value: limit,
          })
        : new VcError('SCHEDULE_INVALID', say('err.ruleTooLong', { rule: text, limit }), {
            limit: 'MAX_WALK_STEPS',
            value: limit,
          });
    } finally {
      this.#left = Infinity;
    }
  }
}

/**
 * One series' rule in floating wall-clock time (ms), with bounded walks. `walk(fromFloating, fn)`
 * runs `fn` on a rule that generates exactly the same dates from `fromFloating` on: for DAILY and
 * WEEKLY rules without COUNT, a copy whose DTSTART is moved forward by whole intervals (the same
 * grid of days), so the walk does not replay the years between DTSTART and the window.
 */
export class RuleWalker {
  readonly #parsed: ParsedRRule;
  readonly #dtstart: number;
  readonly #until: number | null;
  readonly #base: CountedRule;
  /** One interval of the grid (floating ms); null when the walk cannot be moved (COUNT, MONTHLY, YEARLY). */
  readonly #step: number | null;
  #moved: { n: number; rule: CountedRule } | undefined;

  constructor(parsed: ParsedRRule, dtstartFloating: number, untilFloating: number | null) {
    this.#parsed = parsed;
    this.#dtstart = dtstartFloating;
    this.#until = untilFloating;
    this.#base = this.#make(dtstartFloating);
    const interval = parsed.options.interval ?? 1;
    const period = parsed.freq === 'DAILY' ? DAY : parsed.freq === 'WEEKLY' ? 7 * DAY : null;
    this.#step = parsed.count === null && period !== null ? period * interval : null;
  }

  #make(dtstart: number): CountedRule {
    return new CountedRule({
      ...this.#parsed.options,
      dtstart: new Date(dtstart),
      until: this.#until === null ? null : new Date(this.#until),
    });
  }

  /** Run `fn` on a rule equivalent to this one from `fromFloating` on, within MAX_WALK_STEPS. */
  walk<T>(fromFloating: number, fn: (r: RRuleType) => T): T {
    return this.#ruleFrom(fromFloating).walk(this.#parsed.text, fn, false);
  }

  /** Run `fn` (the search for the first date) from DTSTART, within MAX_RULE_STEPS. */
  first<T>(fn: (r: RRuleType) => T): T {
    return this.#base.walk(this.#parsed.text, fn, true);
  }

  #ruleFrom(from: number): CountedRule {
    if (this.#step === null) return this.#base;
    // whole intervals to skip, rounded down to about a year of them so one copy serves many windows
    const perYear = Math.max(1, Math.floor((366 * DAY) / this.#step));
    const n = Math.floor(Math.floor((from - this.#dtstart) / this.#step - 1) / perYear) * perYear;
    if (n < perYear) return this.#base;
    if (this.#moved?.n !== n) this.#moved = { n, rule: this.#make(this.#dtstart + n * this.#step) };
    return this.#moved.rule;
  }
}
