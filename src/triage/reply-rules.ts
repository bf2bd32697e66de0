/**
 * How a public reply gives a patient away, read sentence by sentence. A reply speaks *to a person*
 * ("so glad", "hope", "your", "congrats") or *to the public* ("our ER is open 24/7", "if you ever
 * need urgent care", "call 555-0100"). Health details, names of staff and times are harmless in the
 * second and tell the world about someone's care in the first ("hope the knee is better after the
 * scope", "we'll make sure Nurse Tamika sees this", "your 6am check-in").
 */

export interface ReplySentence {
  text: string;
  /** Addressed to a person: their feelings, their family, "you". */
  personal: boolean;
  /** Public information: hours, directions, numbers to call, what anyone can do. */
  informational: boolean;
}

const RELATIVE =
  String.raw`(?:mom|mother|mum|dad|father|son|daughter|wife|husband|partner|baby|babies|twins|child|children|kids?|little (?:ones?|guy|girl|man|lady)|grandma|grandmother|grandpa|grandfather|grandparents?|parents?|brother|sister|family member|loved one|newborn|toddler|boyfriend|girlfriend|fianc[eé]e?)`;

const PERSONAL = new RegExp(
  String.raw`\b(?:you|your|you're|youre|yourself|u|ur|y'all|congrat\w*|glad|hope|hoping|proud|sorry|welcome (?:home|back)|feel(?:ing)? (?:better|stronger)|heal(?:s|ed|ing)?|recover\w*|rest up|take (?:it )?easy|take care|cheering|wishing|so happy|happy for|little ones?|(?:your|his|her|their) ${RELATIVE})\b`,
  'i',
);
/** "Thank you" is how every reply begins; it says nothing about whom we speak to. */
const THANKS = /\bthank (?:you|u)\b/gi;

const INFORMATIONAL =
  /\b(?:if (?:you|your|anyone|there)|anyone|everyone (?:is welcome|can)|any ?time|24\/7|open(?:s| until| from| daily)?|hours|until \d|by appointment|slots|walk-?ins?|located|directions|entrance|parking|park in|lot [a-z]\b|garage|no appointment|every (?:day|week|month)|nearest|call (?:or text )?(?:911|988)|text 988)\b|\d{3}[-.]\d{4}|\b\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)? ?[–-] ?\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)?(?!\d)|\b[\w-]+\.(?:org|com|net|gov)\b|\b\d{2,5} [A-Z][a-z]+ (?:Lane|Ln|Street|St|Avenue|Ave|Road|Rd|Drive|Boulevard|Blvd|Way|Court|Ct|Place|Pl)\b/i;

/** Splits on sentence ends, semicolons and dashes used as clause breaks. */
export function replySentences(reply: string): ReplySentence[] {
  return reply
    .split(/(?<!\b(?:Dr|Mr|Mrs|Ms|Mx|St|Prof|Sr|Jr|[ap]\.m)\.)(?<=[.!?])\s+|(?<!\d)\s*[—–]\s*(?!\d)|\s+-{1,2}\s+|;\s+|\n+/)
    .map((text) => text.trim())
    .filter((text) => text.length > 0)
    .map((text) => ({
      text,
      personal: PERSONAL.test(text.replace(THANKS, 'thanks')),
      informational: INFORMATIONAL.test(text),
    }));
}

/** Units and floors by the names hospitals give them: "5 North", "the mother-baby unit", "4th floor". */
const UNIT = /\b(?:\d{1,2} ?(?:north|south|east|west)|[\w-]+ (?:unit|ward|suite|bay)|(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh) floor|step-?down(?: floor| unit)?)\b/i;

/** A member of staff by name: "Nurse Tamika", "our nurse Carlos", "Dr. Alvarez", "make sure Ashley sees this". */
const NAMED_STAFF = new RegExp(
  [
    String.raw`\b(?:Dr|Doctor|Nurse|Midwife|NP|PA)\.? [A-Z][\p{L}'-]+`,
    String.raw`\b[Oo]ur (?:nurse|doctor|midwife|therapist|tech|doula|surgeon|pharmacist|phlebotomist|receptionist|own) [A-Z][\p{L}'-]+`,
    String.raw`\b(?:make sure|be sure|let) (?:that )?[A-Z][\p{L}'-]+ (?:sees|hears|gets|knows)\b`,
    String.raw`\b(?:pass|share|show|give|forward)\b[^.!?]{0,40}\b(?:to|with) [A-Z][a-z'-]+\b(?! (?:[A-Z]|team|line|desk|office|department))`,
    String.raw`\b[A-Z][a-z'-]+ (?:will be|is going to be|'ll be|is) so (?:happy|touched|moved|thrilled|pleased)\b`,
    String.raw`\b(?:sounds like|that's|that is) our [A-Z][a-z'-]+\b`,
    String.raw`\b[A-Z][a-z'-]+ (?:from|in|at|on) (?:the |our )?[\w -]{0,25}(?:suite|unit|floor|clinic|center|centre|lab|team|desk)\b`,
  ].join('|'),
  'u',
);
/** Capitalised words that begin "X from the clinic" and are not names. */
const NOT_A_NAME = new Set(['Someone', 'Everyone', 'Anyone', 'Staff', 'Thanks', 'Thank', 'Hello', 'Hi', 'Sorry', 'Please', 'Call', 'Care', 'Families', 'Family', 'Visitors', 'Parking', 'Patients', 'Our', 'The', 'We', 'This', 'That']);

/** Whether a capitalised word in the match is a person's name, not a title or a common word. */
function hasName(match: string): boolean {
  return match.split(/\s+/).some((word) => /^[A-Z][\p{L}'-]+$/u.test(word) && !TITLES.has(word) && !NOT_A_NAME.has(word));
}
const TITLES = new Set(['Dr', 'Doctor', 'Nurse', 'Midwife', 'NP', 'PA']);

/** A particular time: a weekday, a date, a clock time, "this morning", "the weekend". */
const WHEN =
  /\b(?:last (?:night|week|month|year|time|weekend)|this (?:morning|afternoon|evening|weekend|past (?:week|weekend))|(?:this morning|yesterday|today)'s|yesterday|earlier today|tonight|tomorrow|that (?:night|day|morning|afternoon|weekend)|the weekend|over the weekend|(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'s)?(?: (?:morning|afternoon|evening|night))?|(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?|\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|the \d{1,2}(?:st|nd|rd|th)|\d{1,2}(?::\d{2})? ?(?:am|pm|a\.m\.|p\.m\.)|(?:at|around|your) \d{1,2}:\d{2}|(?:at|around|by) (?:noon|midnight)|new year's (?:eve|day)|christmas(?: eve| day)?|thanksgiving|(?:the )?holiday weekend|(?:memorial|labor|independence) day|\d+ (?:days|weeks|months) ago|earlier this (?:week|month)|(?:on|during) your (?:last|first|recent) (?:visit|stay)|since (?:your|his|her) (?:discharge|surgery|visit|stay|procedure))\b/i;
/** Words of someone's care: with a time, they tell when it happened. */
const CARE_EVENT =
  /\b(?:visit|stay|stayed|spent|check-?in|appointments?|appt|procedures?|surgery|scan|results?|labs?|notes|admission|admitted|discharged?|infusion|treatment|booked|seen|came (?:in|by)|while you were|waiting|wait|er|ed|emergency|short-staffed|hallway bed|with us|there for|request|processed|deliver\w*|born)\b/i;
/** Staff words: with a time, about someone's care only in a reply spoken to them. */
const STAFF_CONTEXT = /\b(?:provider|doctors?|nurses?|staff|team|crew|shift|valet|front desk|busy|busiest)\b/i;

/**
 * A time tied to someone's care, wherever it stands (public information included): "booked you for
 * Tuesday", "your visit on Nov 2", "results from Tuesday's appointment".
 */
const CARE_THING = String.raw`(?:visit|stay|check-?in|appointments?|appt|procedures?|surgery|scan|results?|labs?|notes|admission|discharge|infusion|treatment)`;
const TIME_OF_CARE = new RegExp(
  String.raw`\b(?:booked|scheduled|rebooked) you for\b|\byour ${CARE_THING}\b[^.!?]{0,40}\b(?:from|on|at) (?:${WHEN.source})|\b${CARE_THING}\b[^.!?]{0,15}\bfrom (?:${WHEN.source})`,
  'i',
);

/** Looking the person up: "we checked your account", "according to our system", "on file". */
const LOOKED_UP = new RegExp(
  [
    String.raw`\b(?:we|i)(?: just| have|'ve)? (?:checked|looked (?:into|at|up)|pulled up|found|reviewed|can see|see|confirmed|flagged)\b[^.!?]{0,60}\b(?:your|his|her)\b`,
    String.raw`\b(?:on file|in our system|according to our (?:system|records)|our records|our system shows)\b`,
    String.raw`\byour (?:account|claim|statement|file|chart|balance|release form|paperwork|portal|mychart(?: message)?|order|case number|insurer|bill|invoice|copay|deductible|referral|authorization|next statement)\b`,
  ].join('|'),
  'i',
);

/** Someone's time with us: "waited with us", "has been with us a long time", "his care team". */
const WITH_US = new RegExp(
  String.raw`\b(?:get|got|getting) (?:you|your ${RELATIVE}|him|her|them) (?:seen|in|checked|treated|admitted)\b|\btrust(?:ing|ed)? us with\b|\bremembers? you\b|\bchoosing us\b|\bwelcome back\b|\bpleasure (?:having|caring for|meeting|to meet|to care for) (?:you|your)\b|\bpart of (?:your|his|her) (?:journey|story|recovery|care)\b|\bwelcom(?:e|ed|ing) (?:the |your )?(?:twins|baby|babies|little one|son|daughter)\b|\b(?:our|the) (?:staff|team|nurses?|doctors?) (?:could |was able to |were able to )?(?:help|helped|look after|looked after|take care of|took care of) (?:you|your|him|her)\b|\byour ${RELATIVE}\b[^.!?]{0,20}\b(?:is|are|'s) (?:home|back home|resting|recovering|healing|doing better)\b|\b(?:he|she|they)(?:'s| is| are|'re) (?:home|back home|healing|recovering|resting|doing better)\b|\b(?:leave|left) our care\b|\byour (?:\w+ ){1,2}(?:visit|stay|appointment|appt|procedure|surgery|check-?up) with us\b|\b(?:waited|stayed|been|spent [^.!?]{0,30}|were) with us\b|\b(?:his|her|their|your(?: ${RELATIVE}'s)?) care team\b|\byou left us\b|\bto be there for (?:you|your)\b|\bglad (?:you're|you are|to have you) (?:here|back)\b|\b(?:triaged|admitted|discharged|treated|seen|stitched|scanned)\b[^.!?]{0,20}\b(?:quickly|fast|today|yesterday|here)\b`,
  'i',
);

/** Personal data the reply must never post: a date of birth, a full date with its year. */
const PERSONAL_DATA = /\b(?:DOB|dob|date of birth|born on)\b|\b\d{1,2}\/\d{1,2}\/(?:19|20)\d{2}\b/;

/** The first health term in a piece of text (the classifier's vocabulary), or undefined. */
export type VocabularyMatch = (text: string) => string | undefined;

/** The problems the sentence rules find in a reply; `healthWord` knows the health vocabulary. */
export function sentenceProblems(reply: string, healthWord: VocabularyMatch, placeWord: VocabularyMatch): string[] {
  const problems: string[] = [];
  const sentences = replySentences(reply);
  const notPublicInfo = sentences.filter((s) => !s.informational);
  // A reply that speaks to a person ("so proud of you!") speaks to them in all it says but its public information.
  const toPerson = sentences.some((s) => s.personal) ? notPublicInfo : [];

  for (const sentence of toPerson) {
    const term = healthWord(sentence.text);
    if (term) {
      problems.push(`speaks of a health detail to the person: "${term}"`);
      break;
    }
  }
  for (const sentence of notPublicInfo) {
    const unit = UNIT.exec(sentence.text)?.[0] ?? placeWord(sentence.text.replace(/&/g, ' and '));
    if (unit && (sentence.personal || /\b(?:team|nurses?|staff|crew|famil(?:y|ies)|everyone)\b/i.test(sentence.text))) {
      problems.push(`names a unit beside the person: "${unit}"`);
      break;
    }
  }
  for (const sentence of notPublicInfo) {
    const named = NAMED_STAFF.exec(sentence.text);
    if (named && hasName(named[0])) {
      problems.push(`names a member of staff: "${named[0].trim()}"`);
      break;
    }
  }
  const spokenTo = toPerson.length > 0;
  for (const sentence of notPublicInfo) {
    const when = WHEN.exec(sentence.text);
    if (when && (CARE_EVENT.test(sentence.text) || (spokenTo && STAFF_CONTEXT.test(sentence.text)))) {
      problems.push(`gives a time of someone's care: "${when[0]}"`);
      break;
    }
  }
  if (!problems.some((p) => p.startsWith('gives a time'))) {
    const time = TIME_OF_CARE.exec(reply);
    if (time) problems.push(`gives a time of someone's care: "${time[0].trim()}"`);
  }
  const lookedUp = LOOKED_UP.exec(reply);
  if (lookedUp) problems.push(`tells what we found in their records: "${lookedUp[0].trim()}"`);
  const withUs = WITH_US.exec(reply);
  if (withUs) problems.push(`confirms the author is a patient: "${withUs[0].trim()}"`);
  const data = PERSONAL_DATA.exec(reply);
  if (data) problems.push(`posts personal data: "${data[0]}"`);
  return problems;
}
