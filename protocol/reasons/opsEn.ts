// English templates of the error details of the site config, the scheduler's calendars (ICS, workdays, recurrence), join tokens and the web server, reports.
// Part of REASONS_EN (../reasonsEn.ts); the same rules hold: add a key rather than reword an old one.
export const OPS_REASONS_EN = {
  // iCalendar text (daemon/scheduler/ics/icsText.ts): the line is the file's, unfolded
  'ics.notProperty': 'line {line}: not a property line: "{text}"',
  'ics.paramNoEq': 'line {line}: parameter without "=" in {name}',
  'ics.unclosedQuote': 'line {line}: unclosed quote in parameter {key} of {name}',
  'ics.noColon': 'line {line}: property {name} has no ":" before its value',
  'ics.notCalendar': 'not an iCalendar file: it does not start with BEGIN:VCALENDAR',
  'ics.endMismatch': 'line {line}: END:{end} does not close BEGIN:{begin}',
  'ics.endNothing': 'line {line}: END:{end} does not close anything',
  'ics.outside': 'line {line}: property {name} outside BEGIN:VCALENDAR',
  'ics.unclosed': 'BEGIN:{name} is never closed (file cut short?)',
  'ics.noCalendar': 'no BEGIN:VCALENDAR found: not an iCalendar file',
  // importing meetings from a calendar (importCalendar.ts, icsImport.ts)
  'ics.tooLong':
    'the calendar is {n} characters long (limit ICS_MAX_CHARS: at most {max}); split it into smaller files',
  'ics.tooManyEvents':
    'the calendar holds {n} events (limit ICS_MAX_EVENTS: at most {max}); split it into smaller files',
  'ics.busy': 'nothing imported: the schedules kept changing while the calendar was checked; import it again',
  'ics.conflict': 'nothing imported: "{summary}" ({uid}) {why}',
  'ics.skipCancelled': 'cancelled in the calendar',
  'ics.skipOwn': 'already booked as {id}',
  'ics.skipImported': 'already imported as {id}',
  'ics.skipPast': 'every occurrence is in the past',
  'ics.skipNoParticipants':
    'no participants: add X-VCBRIDGE-ENDPOINTS, map calendar names with --map NAME=id,…, or give --endpoints/--group',
  'ics.allDay': 'all-day {name} ({value}): an all-day event is not a meeting',
  'ics.notDateTime': '{name} "{value}" is not a date-time (line {line})',
  'ics.unknownZone': 'unknown time zone "{tz}" in {name} (line {line})',
  'ics.noStart': 'no DTSTART',
  'ics.badDuration': 'DURATION "{value}" is not a duration (line {line})',
  'ics.noLength': 'neither DTEND nor DURATION: the meeting has no length',
  'ics.endsBeforeStart': 'it ends before it starts',
  'ics.manyRrules': 'more than one RRULE (not supported)',
  'ics.rdate': 'RDATE (extra dates) is not supported',
  'ics.sameUid': 'a second event with the same UID',
  'ics.orphanOverride': 'RECURRENCE-ID for a series that is not in the file',
  'ics.overrideIgnored': 'override of one occurrence ignored: {why}',

  // a holiday calendar read as days (daemon/scheduler/workdays/holidayIcs.ts)
  'workdays.cancelled': 'cancelled',
  'workdays.notDate': 'DTSTART "{value}" is not a date',
  'workdays.endNotAfter': 'DTEND {value} is not after DTSTART',
  'workdays.eventLong': 'covers more than {max} days; only the first {max} are taken',
  'workdays.timed': 'a timed event that is not a make-up working day (补班): not a holiday',
  'workdays.tooMany': 'the calendar names more than {max} days',
  'workdays.none': 'no day off or make-up day found in the calendar',
  'workdays.noneSkipped': 'no day off or make-up day found in the calendar ({n} events skipped: {why})',

  // recurrence rules (daemon/scheduler/rruleText.ts): the rule, then what is wrong in it
  'rrule.bad': 'bad recurrence rule "{rule}": {why} (example: FREQ=WEEKLY;BYDAY=MO)',
  'rrule.numbers': '{key} must be a list of numbers, got "{value}"',
  'rrule.range': '{key} value {value} is out of range',
  'rrule.untilForm': 'UNTIL must look like 20261231 or 20261231T235959Z, got "{value}"',
  'rrule.untilDate': 'UNTIL {value} is not a real date',
  'rrule.empty': 'the recurrence rule is empty (example: FREQ=WEEKLY;BYDAY=MO)',
  'rrule.notPair': '"{part}" is not NAME=VALUE',
  'rrule.twice': '{key} is given twice',
  'rrule.noValue': '{key} has no value',
  'rrule.noFreq': 'FREQ is missing',
  'rrule.freq': 'FREQ={freq} is not supported (use DAILY, WEEKLY, MONTHLY or YEARLY)',
  'rrule.interval': 'INTERVAL must be a whole number from 1, got "{value}"',
  'rrule.count': 'COUNT must be a whole number from 1, got "{value}"',
  'rrule.byday': 'BYDAY must list days such as MO,WE or 1MO,-1FR, got "{value}"',
  'rrule.bydayPos': 'BYDAY position {pos} is out of range',
  'rrule.wkst': 'WKST must be a day (MO..SU), got "{value}"',
  'rrule.byTime': '{key} is not supported: a meeting series has one start time, set by --start',
  'rrule.unknownPart': 'unknown part {key}',
  'rrule.countUntil': 'COUNT and UNTIL cannot both be given',

  // the book of meetings and its times (ScheduleBook.ts, Recurrence.ts, zonedTime.ts)
  'sched.yearRange': 'a meeting must start between the years {min} and {max}, not in {year}',
  'sched.yearInvalid': 'a meeting must start between the years {min} and {max}, not in an invalid time',
  'sched.cancelledEdit': 'schedule {id} is cancelled; book a new one instead',
  'sched.overEnded': 'the occurrence at {time} is already over (ended)',
  'sched.overMissed': 'the occurrence at {time} is already over (missed)',
  // a capacity conflict of a booking (conflicts.ts; the other conflicts are conflict.* of reasonsEn.ts)
  'sched.capConferences': 'capacity: {n} conferences at once (at most {max}) at {time} {tz}',
  'sched.capConferencesWith': 'capacity: {n} conferences at once (at most {max}) at {time} {tz} with {names}',
  'sched.capLegs': 'capacity: {n} legs at once (at most {max}) at {time} {tz}',
  'sched.capLegsWith': 'capacity: {n} legs at once (at most {max}) at {time} {tz} with {names}',
  // pre-flight checks that took too long (Preflight.ts)
  'sched.pfNoOptions': 'no answer to OPTIONS within {ms} ms',
  'sched.pfCallSlow': 'test call did not finish within {ms} ms',
  'sched.endedSaid': 'ended at its scheduled time (the bridge said: {why})',
  'sched.retrying': '"{title}" could not start ({why}); trying again at {time}',
  'tz.unknown': 'unknown time zone "{tz}" (expected an IANA name such as Asia/Shanghai)',

  // join and live links (daemon/web/JoinTokens.ts)
  'token.format': 'the invitation token has an unknown format',
  'token.liveFormat': 'the live link token has an unknown format',
  'token.missing': 'this link has no invitation token',
  'token.malformed': 'the invitation token is malformed',
  'token.forged': 'the invitation token is not genuine (it was altered or not made by this bridge)',
  'token.unreadable': 'the invitation token cannot be read',
  'token.expired': 'this invitation expired at {time}',

  // the web server: invitations and live streams (daemon/web/*)
  'web.invited': '{by} invited {name} ({id}) to join from a browser; the link works until {until}',
  'web.nameChars': 'printable characters only, no < or >',
  'web.inviteNotLive': 'conference {id} is {phase}; invite to a running one',
  'web.streamNotLive': 'conference {id} is {phase}; stream a running one',
  'web.streamWhat': 'give hls, rtmp or both',
  'web.streamVanished': 'live stream vanished while starting',
  'web.rtmpMax': 'conference {id} already pushes to {max} RTMP servers',
  'web.streamBadId': 'conference id "{id}" cannot be streamed',
  'web.streamMax': 'already streaming {max} conferences; stop one first',
  'web.liveDir': 'cannot make the live directory {dir}: {detail}',

  // text people type (daemon/util/text.ts): where the first control character is
  'text.charAt': '{char} at character {at}',
  'text.control': 'must not contain control characters: {chars}',

  // the daemon process itself (Daemon.ts, lock.ts, layers.ts)
  'run.apiNotStarted': 'control API not started',
  'run.closeSlow': '{name} did not close in time',
  'run.locked': 'data dir is in use by vcbridged pid {pid} (lock {file}); stop it first or use another --data-dir',
  'run.lockFailed': 'could not take the lock {file}',
  'run.noReason': 'no reason',
} as const;
