import { registerHooks } from 'node:module'

// The project's TypeScript imports siblings with `.js` specifiers (NodeNext style), which tsc and
// vitest map to `.ts`. Node's built-in type stripping does not, so the fixture and conformance CLIs
// preload this hook: a relative `.js` specifier that does not exist is retried as `.ts`.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      if (!/^\.\.?\//.test(specifier) || !specifier.endsWith('.js')) throw error
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
    }
  },
})
