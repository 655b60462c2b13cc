/**
 * Quoting of untrusted text (a user's value, an id from the Core) inside a message.
 */

/** Quotes a user's value in a message, escaped (bidirectional controls too) and cut short. */
export function quote(text: string, maxLength = 40): string {
  const shown = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return JSON.stringify(shown).replace(
    /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
