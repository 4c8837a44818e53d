// The host side of a cycleshare task, for AssemblyScript (docs/TASKS.md has the ABI in full).
// Copy this file beside your task and re-export `alloc` from your entry file:
//
//   export { alloc } from './cycleshare'
//
// Then read the input document with `Json.parse(input(ptr, len))` and hand your output to
// `outputJson` (or `output` for bytes). Build with --runtime stub --importMemory.

@external("cycleshare", "output") declare function hostOutput (ptr: usize, len: i32): void
@external("cycleshare", "fail") declare function hostFail (ptr: usize, len: i32): void
@external("cycleshare", "checkpoint") declare function hostCheckpoint (ptr: usize, len: i32): void

/** The host copies each input into memory it asks for here. */
export function alloc (len: i32): usize {
  return heap.alloc(len)
}

/** The UTF-8 text the host passed at `ptr`. */
export function input (ptr: usize, len: i32): string {
  return String.UTF8.decodeUnsafe(ptr, len)
}

/** Hands `text` (UTF-8) to the host as this call's output; several calls are joined. */
export function outputJson (text: string): void {
  const bytes = String.UTF8.encode(text)
  hostOutput(changetype<usize>(bytes), bytes.byteLength)
}

/** Hands raw bytes to the host as this call's output. */
export function output (ptr: usize, len: i32): void {
  hostOutput(ptr, len)
}

/** Fails the chunk with `message`. */
export function fail (message: string): void {
  const bytes = String.UTF8.encode(message)
  hostFail(changetype<usize>(bytes), bytes.byteLength)
}

/** Records how far the chunk has got (JSON text); a resumed run finds it as the input's `resume`. */
export function checkpoint (state: string): void {
  const bytes = String.UTF8.encode(state)
  hostCheckpoint(changetype<usize>(bytes), bytes.byteLength)
}

export enum Kind { Null, Bool, Number, String, Array, Object }

/** A parsed JSON value: enough to read an input document. */
export class Json {
  kind: Kind = Kind.Null
  num: f64 = 0
  str: string = ''
  items: Json[] = []
  keys: string[] = []

  /** `text` parsed; fails the chunk on malformed JSON. */
  static parse (text: string): Json {
    const p = new Parser(text)
    const value = p.value()
    p.space()
    if (p.at < text.length) fail('input: trailing characters after the JSON value')
    return value
  }

  /** The value of `key` in an object (null when absent). */
  get (key: string): Json {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.items[i]
    return new Json()
  }

  has (key: string): bool {
    return this.keys.includes(key)
  }

  get length (): i32 {
    return this.items.length
  }

  at (i: i32): Json {
    return this.items[i]
  }

  get isNull (): bool {
    return this.kind == Kind.Null
  }
}

class Parser {
  at: i32 = 0
  constructor (public text: string) {}

  space (): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at)
      if (c != 32 && c != 9 && c != 10 && c != 13) break
      this.at++
    }
  }

  value (): Json {
    this.space()
    const v = new Json()
    const c = this.text.charCodeAt(this.at)
    if (c == 123) { // {
      v.kind = Kind.Object
      this.at++
      this.space()
      if (this.text.charCodeAt(this.at) == 125) { this.at++; return v }
      while (true) {
        this.space()
        v.keys.push(this.string())
        this.space()
        this.expect(58) // :
        v.items.push(this.value())
        this.space()
        if (this.text.charCodeAt(this.at) == 44) { this.at++; continue }
        this.expect(125)
        return v
      }
    }
    if (c == 91) { // [
      v.kind = Kind.Array
      this.at++
      this.space()
      if (this.text.charCodeAt(this.at) == 93) { this.at++; return v }
      while (true) {
        v.items.push(this.value())
        this.space()
        if (this.text.charCodeAt(this.at) == 44) { this.at++; continue }
        this.expect(93)
        return v
      }
    }
    if (c == 34) { v.kind = Kind.String; v.str = this.string(); return v }
    if (this.text.startsWith('true', this.at)) { this.at += 4; v.kind = Kind.Bool; v.num = 1; return v }
    if (this.text.startsWith('false', this.at)) { this.at += 5; v.kind = Kind.Bool; return v }
    if (this.text.startsWith('null', this.at)) { this.at += 4; return v }
    const start = this.at
    while (this.at < this.text.length) {
      const d = this.text.charCodeAt(this.at)
      if (!((d >= 48 && d <= 57) || d == 45 || d == 43 || d == 46 || d == 101 || d == 69)) break
      this.at++
    }
    if (start == this.at) fail('input: unexpected character in JSON at ' + start.toString())
    v.kind = Kind.Number
    v.num = parseFloat(this.text.substring(start, this.at))
    return v
  }

  string (): string {
    this.expect(34)
    let out = ''
    let start = this.at
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at)
      if (c == 34) {
        out += this.text.substring(start, this.at)
        this.at++
        return out
      }
      if (c == 92) { // backslash
        out += this.text.substring(start, this.at)
        const e = this.text.charCodeAt(this.at + 1)
        this.at += 2
        if (e == 110) out += '\n'
        else if (e == 116) out += '\t'
        else if (e == 114) out += '\r'
        else if (e == 98) out += '\b'
        else if (e == 102) out += '\f'
        else if (e == 117) { out += String.fromCharCode(<i32>parseInt(this.text.substring(this.at, this.at + 4), 16)); this.at += 4 }
        else out += String.fromCharCode(e)
        start = this.at
        continue
      }
      this.at++
    }
    fail('input: unterminated string in JSON')
    return out
  }

  expect (c: i32): void {
    if (this.text.charCodeAt(this.at) != c) fail('input: expected "' + String.fromCharCode(c) + '" in JSON at ' + this.at.toString())
    this.at++
  }
}

/** `s` as a JSON string literal. */
export function quote (s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c == 34) out += '\\"'
    else if (c == 92) out += '\\\\'
    else if (c < 32) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += String.fromCharCode(c)
  }
  return out + '"'
}
