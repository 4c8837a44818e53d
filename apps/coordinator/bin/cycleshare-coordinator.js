#!/usr/bin/env node
// First, before anything is loaded: on glibc, re-executes with malloc set to return freed memory
// (libs/program/src/allocator.ts says why).
import { tuneAllocator } from '@cycleshare/program/allocator'
tuneAllocator()
await import('../dist/main.js')
