// csv-totals: the total of the second column per value of the first, over a CSV file uploaded as
// a blob (lines like `fruit,1.25`), as a cycleshare task in AssemblyScript. The job splits the
// blob by lines: each chunk gets the whole lines that start in its byte range and outputs
// { key: total }; the coordinator sums each key over all chunks ("sum-by-key").
// Lines whose second column is not a number (a header) are skipped; `skipped` counts them.
import { fail, input, Json, outputJson, quote } from '../assemblyscript/cycleshare'
export { alloc } from '../assemblyscript/cycleshare'

export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  const column = <i32>doc.get('params').get('column').num
  const totals = new Map<string, f64>()
  let skipped: f64 = 0
  const text = String.UTF8.decodeUnsafe(data, dataLen)
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const line = text.substring(start, end)
    start = end + 1
    if (line.length == 0) continue
    const fields = line.split(',')
    if (fields.length <= column) fail('line "' + line + '" has no column ' + column.toString())
    const amount = parseFloat(fields[column])
    if (isNaN(amount)) { skipped++; continue }
    const key = fields[0]
    totals.set(key, (totals.has(key) ? totals.get(key) : 0) + amount)
  }
  const keys = totals.keys()
  let out = '{"(skipped)":' + skipped.toString()
  for (let i = 0; i < keys.length; i++) out += ',' + quote(keys[i]) + ':' + totals.get(keys[i]).toString()
  outputJson(out + '}')
}
