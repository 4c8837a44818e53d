import { describe, expect, it } from 'vitest'
import { parseWorkHours } from './work-hours.js'

const at = (hh: number, mm: number): Date => new Date(2026, 10, 30, hh, mm)

describe('work hours', () => {
  it('holds a range in a day, one past midnight, and several', () => {
    const office = parseWorkHours('9:00-17:30')
    expect(office.text).toBe('09:00-17:30')
    expect([at(8, 59), at(9, 0), at(17, 29), at(17, 30)].map(d => office.within(d))).toEqual([false, true, true, false])
    const night = parseWorkHours('22:00-07:00')
    expect([at(21, 59), at(22, 0), at(0, 0), at(6, 59), at(7, 0), at(12, 0)].map(d => night.within(d))).toEqual([false, true, true, true, false, false])
    const two = parseWorkHours('12:00-13:00, 20:00-24:00')
    expect([at(12, 30), at(14, 0), at(23, 59)].map(d => two.within(d))).toEqual([true, false, true])
  })

  it('names what is wrong', () => {
    expect(() => parseWorkHours('nights')).toThrow('work hours must be ranges like 22:00-07:00 or 09:00-17:30,20:00-23:00 (got "nights")')
    expect(() => parseWorkHours('25:00-07:00')).toThrow('(got "25:00-07:00")')
    expect(() => parseWorkHours('09:00-09:00')).toThrow('work hours "09:00-09:00" are empty')
    expect(() => parseWorkHours('09:00-24:30')).toThrow('(got "09:00-24:30")')
    expect(() => parseWorkHours(' , ')).toThrow('work hours must name at least one range')
  })
})
