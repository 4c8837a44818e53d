/** An error as it crosses a thread or the wire: recognised by `name`, never by `instanceof`. */
export interface WireError {
  name: string
  message: string
}
