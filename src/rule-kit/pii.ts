/**
 * Names of personal and health data, judged from identifiers and keys (never from values or message text).
 * Precision first: the kind is read from the name's head noun, so `patientCount`, `userID`, `emailVerified`,
 * `passwordHash` and `listenAddress` are not personal data while `patientName`, `idCard` and `in.Email` are.
 */

export type PiiKind =
  | "name"
  | "national ID"
  | "phone number"
  | "email address"
  | "birth date"
  | "address"
  | "diagnosis"
  | "medical record number"
  | "patient record"
  | "password"
  | "token"
  | "social security number";

/** `IDCard` -> [id, card]; `patient_mrn` -> [patient, mrn]; `getEmail` -> [get, email]. */
export function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Words that say the value was already made safe: `maskedPhone`, `emailHash`, `redactedName`. */
const SAFE_WORDS = new Set([
  "mask", "masked", "redact", "redacted", "hash", "hashed", "encrypted", "encrypt", "anonymized", "anonymised",
  "obfuscated", "sanitized", "sanitised", "hmac", "digest", "cipher", "ciphertext", "len", "length", "count",
]);
const NAME_QUALIFIERS = new Set([
  "first", "last", "full", "real", "given", "family", "middle", "legal", "patient", "customer", "person",
  "contact", "maiden", "sur", "holder", "cardholder",
]);
/** Tokens that are not credentials: pagination cursors and language-model token counts. */
const NOT_CREDENTIAL_TOKEN = new Set([
  "page", "next", "prev", "previous", "continuation", "cancellation", "sync", "resume", "pagination", "cursor",
  "max", "total", "input", "output", "prompt", "completion", "used", "remaining",
]);
/** A leading verb makes the name a flag or an action, not the data: isMobile, hasEmail, sendEmail. */
const FLAG_PREFIX = new Set(["is", "has", "use", "uses", "enable", "enabled", "allow", "supports", "send", "validate", "verify", "should", "can"]);
const ADDRESS_QUALIFIERS = new Set([
  "home", "street", "postal", "mailing", "shipping", "billing", "residential", "residence", "delivery", "patient",
  "user", "customer", "contact", "physical",
]);
/** Objects that are a person: their bare `Name` is a person's name (`patient.Name`, `user.name`). */
const PERSON_OWNERS = new Set(["user", "patient", "customer", "person", "member", "contact", "employee", "doctor", "nurse", "cardholder", "guardian"]);
const NUMBER_SUFFIX = new Set(["no", "num", "number", "nr"]);
const PATIENT_RECORD = new Set(["info", "record", "records", "data", "detail", "details", "profile"]);

/**
 * The kind of personal data a name denotes, if any. `owner` is the object a field is read from
 * (`in` for `in.Address`): a bare `address` counts only on a request or a person, never on a config, and a
 * bare `name` only on a person (`patient.Name`, not `product.Name` or `in.Name`).
 */
export function piiKind(name: string, owner?: string): PiiKind | undefined {
  let words = identifierWords(name);
  if (words.length === 0 || words.some((w) => SAFE_WORDS.has(w))) return undefined;
  if (words.length > 1 && FLAG_PREFIX.has(words[0]!)) return undefined;
  // A getter names the field it returns: GetEmail() -> email.
  if (words.length > 1 && words[0] === "get") words = words.slice(1);
  const n = words.length;
  const last = words[n - 1]!;
  const prev = words[n - 2];
  const prev2 = words[n - 3];

  if (["password", "passwd", "pwd", "passphrase"].includes(last)) return "password";
  if (last === "token" && !(prev !== undefined && NOT_CREDENTIAL_TOKEN.has(prev))) return "token";
  if (last === "ssn") return "social security number";
  if (last === "email" || last === "emails" || (last === "address" && (prev === "email" || prev === "mail"))) return "email address";
  if (["phone", "phones", "mobile", "telephone", "cellphone"].includes(last)) return "phone number";
  if (NUMBER_SUFFIX.has(last) && prev !== undefined && ["phone", "mobile", "telephone", "tel", "cellphone"].includes(prev)) return "phone number";
  if (["birthday", "dob", "birthdate"].includes(last) || ((last === "date" || last === "day") && prev === "birth")) return "birth date";
  if (last === "birth" && prev === "of" && prev2 === "date") return "birth date";
  if (last === "idcard" || last === "passport" || (last === "card" && (prev === "id" || prev === "identity"))) return "national ID";
  if (NUMBER_SUFFIX.has(last) && (prev === "idcard" || prev === "passport" || (prev === "card" && (prev2 === "id" || prev2 === "identity")))) return "national ID";
  if (last === "id" && (prev === "national" || prev === "citizen")) return "national ID";
  if (NUMBER_SUFFIX.has(last) && ((prev === "id" && (prev2 === "national" || prev2 === "citizen")) || prev === "identity")) return "national ID";
  if (["firstname", "lastname", "fullname", "realname", "surname", "forename"].includes(last)) return "name";
  if (last === "name" && prev !== undefined && NAME_QUALIFIERS.has(prev)) return "name";
  if (last === "name" && n === 1 && owner !== undefined && PERSON_OWNERS.has(identifierWords(owner).pop() ?? "")) return "name";
  if (last === "address" && prev !== undefined && ADDRESS_QUALIFIERS.has(prev)) return "address";
  if (last === "address" && n === 1 && owner !== undefined && /^(in|req|request|user|patient|customer|person|contact|.*(Req|Request))$/.test(owner)) {
    return "address";
  }
  if (last === "diagnosis" || last === "diagnoses") return "diagnosis";
  if (last === "mrn" || (last === "record" && prev === "medical")) return "medical record number";
  if ((NUMBER_SUFFIX.has(last) || last === "id") && prev === "record" && prev2 === "medical") return "medical record number";
  if (last === "patient" || last === "patients" || (PATIENT_RECORD.has(last) && prev === "patient")) return "patient record";
  return undefined;
}

/** A fragment of every name `piiKind` reports: text without one (a log call's source, say) names no personal data. */
const PII_FRAGMENT = /pass|pwd|token|ssn|mail|address|phone|mobile|tel|birth|dob|card|national|citizen|identity|name|diagnos|mrn|record|patient/i;

/** A quick test before reading names one by one: false means `piiKind` reports no name in `text`. */
export function mayNamePii(text: string): boolean {
  return PII_FRAGMENT.test(text);
}

/** A call that masks or removes personal data before it is logged: mask*, redact*, hash*, MaskSensitive(). */
export function isMaskingFunctionName(name: string): boolean {
  return /^(mask|redact|desensiti[sz]|anonymi[sz]|pseudonymi[sz]|obfuscat|hash|sha\d*|hmac|encrypt|scrub|sanitiz|truncate|last4|tail4)/i.test(name);
}
