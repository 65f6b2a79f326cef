import { decodeXml } from './xml-decode.util';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodeXml', () => {
  it.each<[string, Uint8Array, string]>([
    ['UTF-8 without declaration', bytes('<a>é😀</a>'), '<a>é😀</a>'],
    ['UTF-8 BOM is dropped', bytes([0xef, 0xbb, 0xbf], '<a/>'), '<a/>'],
    ['UTF-16LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a>é</a>', 'utf16le')]), '<a>é</a>'],
    ['UTF-16BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<a>é</a>', 'utf16le').swap16()]), '<a>é</a>'],
    ['declared ISO-8859-1', bytes('<?xml version="1.0" encoding="ISO-8859-1"?><a>', [0xe9, 0x80], '</a>'), '<?xml version="1.0" encoding="ISO-8859-1"?><a>é\u0080</a>'],
    ['declared windows-1252', bytes("<?xml version='1.0' encoding='windows-1252'?><a>", [0x80, 0x81, 0x9f, 0xe9], '</a>'), "<?xml version='1.0' encoding='windows-1252'?><a>€\u0081Ÿé</a>"],
    ['declared ISO-8859-2 (TextDecoder)', bytes('<?xml version="1.0" encoding="ISO-8859-2"?><a>', [0xb1], '</a>'), '<?xml version="1.0" encoding="ISO-8859-2"?><a>ą</a>'],
    ['declared UTF-8', bytes('<?xml version="1.0" encoding="utf-8"?><a>é</a>'), '<?xml version="1.0" encoding="utf-8"?><a>é</a>'],
    ['unknown encoding falls back to UTF-8', bytes('<?xml version="1.0" encoding="x-nope"?><a>é</a>'), '<?xml version="1.0" encoding="x-nope"?><a>é</a>'],
    ['invalid UTF-8 becomes U+FFFD', bytes('<a>', [0xff], '</a>'), '<a>\ufffd</a>'],
  ])('%s', (_name, input, text) => expect(decodeXml(input)).toBe(text));
});
