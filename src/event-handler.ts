/**
 * Event handler IDL attributes (`onopen`, `onmessage`, `onerror`) with the
 * HTML Standard's semantics, on top of a plain `EventTarget`.
 *
 * The order listeners run in is observable: a handler runs at the position
 * where it was first set to a non-null value, among the `addEventListener`
 * listeners. Setting it again to another function keeps that position;
 * setting it to null removes it, and a later non-null value goes last. Calling
 * `on*` directly (as some polyfills do) breaks that order.
 *
 * @see https://html.spec.whatwg.org/multipage/webappapis.html#event-handler-attributes
 */

/** What an `on*` attribute holds. */
export type EventHandler<E extends Event = Event> = ((this: EventTarget, event: E) => unknown) | null

// Per target and type, the attribute's current value. The shared listener
// below is registered for a type exactly while its value is not null, so the
// value alone says whether the handler is active. Plain objects, not Maps: an
// idle connection's memory counts (see bench/heap.mjs).
type Slots = Record<string, EventHandler<Event> | undefined>

const slots = new WeakMap<EventTarget, Slots>()

/**
 * The listener registered for every event handler attribute of every target:
 * it runs whatever the attribute holds when the event arrives. One function
 * for all, found again through `this` (the current target) and the type.
 */
function runHandler(this: EventTarget, event: Event): void {
  const current = slots.get(this)?.[event.type]
  // A callable object (not a function) is stored but never called, as in
  // browsers, where calling it would throw and only be reported.
  if (typeof current === 'function') current.call(this, event)
}

/** The getter of an event handler IDL attribute. */
export function getEventHandler(target: EventTarget, type: string): EventHandler<Event> {
  return slots.get(target)?.[type] ?? null
}

/** The setter of an event handler IDL attribute. */
export function setEventHandler(target: EventTarget, type: string, value: unknown): void {
  let byType = slots.get(target)
  if (byType === undefined) {
    byType = {}
    slots.set(target, byType)
  }
  // WebIDL [LegacyTreatNonObjectAsNull]: anything that is not an object is null.
  const handler =
    typeof value === 'function' || (typeof value === 'object' && value !== null)
      ? (value as EventHandler<Event>)
      : null
  const active = (byType[type] ?? null) !== null
  byType[type] = handler
  if (handler === null) {
    // "deactivate an event handler": remove its listener, so a later value
    // is registered anew, at the end of the list.
    if (active) target.removeEventListener(type, runHandler)
  } else if (!active) {
    // "activate an event handler": its position among the listeners is fixed now.
    target.addEventListener(type, runHandler)
  }
}
