import type { Case } from './case-kit.js'
import { formatCases } from './cases-format.js'
import { interfaceCases } from './cases-interface.js'
import { lastEventIdCases } from './cases-last-event-id.js'
import { readableStreamCases } from './cases-readable-stream.js'
import { requestCases } from './cases-request.js'

// Every ported case, in one list. Names are unique: they key the report and the manifest.
export const cases: Case[] = [...interfaceCases, ...formatCases, ...lastEventIdCases, ...requestCases, ...readableStreamCases]

export const caseByName = new Map(cases.map((c) => [c.name, c]))
if (caseByName.size !== cases.length) throw new Error('duplicate case names')
