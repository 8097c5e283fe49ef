/**
 * Country names and codes → ISO 3166-1 alpha-2 (https://www.iso.org/iso-3166-country-codes.html),
 * for the hashed `country` of Meta and Google and for the `country` column of events.
 */

/** Anything but a letter or digit, in any script. */
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu

let countryCodes: Map<string, string> | undefined

/**
 * English country names (letters only, lower case) → ISO 3166-1 alpha-2, built from the ICU data
 * Node ships (`Intl.DisplayNames`), plus common short forms.
 */
function getCountryCodes(): Map<string, string> {
  if (countryCodes) return countryCodes
  const names = new Intl.DisplayNames(['en'], { type: 'region' })
  countryCodes = new Map([
    ['usa', 'us'],
    ['unitedstatesofamerica', 'us'],
    ['america', 'us'],
    ['uk', 'gb'],
    ['greatbritain', 'gb'],
    ['england', 'gb'],
    ['scotland', 'gb'],
    ['wales', 'gb'],
    ['northernireland', 'gb'],
    ['holland', 'nl'],
  ])
  for (let first = 65; first <= 90; first++) {
    for (let second = 65; second <= 90; second++) {
      const code = String.fromCharCode(first, second)
      const name = names.of(code)
      if (name && name !== code && name !== 'Unknown Region') {
        countryCodes.set(
          name.normalize('NFC').toLowerCase().replace(NOT_LETTER_OR_DIGIT, ''),
          code.toLowerCase(),
        )
      }
    }
  }
  return countryCodes
}

/** ISO 3166-1 alpha-2 in lower case, from a code or an English name; undefined when unknown. */
export function normalizeCountry(text: string): string | undefined {
  const letters = text.toLowerCase().replace(NOT_LETTER_OR_DIGIT, '')
  if (/^[a-z]{2}$/.test(letters)) return letters
  return getCountryCodes().get(letters)
}
