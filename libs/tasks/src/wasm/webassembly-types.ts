/**
 * The part of the WebAssembly JavaScript API this package uses. Node has it as a global, but
 * @types/node does not declare it (TypeScript declares it only with the DOM library).
 */
declare global {
  namespace WebAssembly {
    type ImportExportKind = 'function' | 'table' | 'memory' | 'global' | 'tag'
    interface ModuleImportDescriptor { module: string, name: string, kind: ImportExportKind }
    interface ModuleExportDescriptor { name: string, kind: ImportExportKind }
    class Module {
      constructor (bytes: ArrayBufferView | ArrayBuffer)
      static imports (module: Module): ModuleImportDescriptor[]
      static exports (module: Module): ModuleExportDescriptor[]
    }
    class Instance {
      constructor (module: Module, imports?: Record<string, Record<string, unknown>>)
      readonly exports: Record<string, unknown>
    }
    class Memory {
      constructor (descriptor: { initial: number, maximum?: number })
      readonly buffer: ArrayBuffer
      grow (delta: number): number
    }
    class CompileError extends Error {}
    class RuntimeError extends Error {}
    function compile (bytes: ArrayBufferView | ArrayBuffer): Promise<Module>
  }
}

export {}
