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

interface HandlerSlot {
  value: EventHandler<Event>
  // The one listener registered for this attribute; it calls the current value.
  listener: ((event: Event) => void) | undefined
}

const slots = new WeakMap<EventTarget, Map<string, HandlerSlot>>()

function slotOf(target: EventTarget, type: string): HandlerSlot {
  let byType = slots.get(target)
  if (byType === undefined) {
    byType = new Map()
    slots.set(target, byType)
  }
  let slot = byType.get(type)
  if (slot === undefined) {
    slot = { value: null, listener: undefined }
    byType.set(type, slot)
  }
  return slot
}

/** The getter of an event handler IDL attribute. */
export function getEventHandler(target: EventTarget, type: string): EventHandler<Event> {
  return slots.get(target)?.get(type)?.value ?? null
}

/** The setter of an event handler IDL attribute. */
export function setEventHandler(target: EventTarget, type: string, value: unknown): void {
  const slot = slotOf(target, type)
  // WebIDL [LegacyTreatNonObjectAsNull]: anything that is not an object is null.
  const handler =
    typeof value === 'function' || (typeof value === 'object' && value !== null)
      ? (value as EventHandler<Event>)
      : null
  slot.value = handler
  if (handler === null) {
    // "deactivate an event handler": remove its listener, so a later value
    // is registered anew, at the end of the list.
    if (slot.listener !== undefined) target.removeEventListener(type, slot.listener)
    slot.listener = undefined
    return
  }
  if (slot.listener === undefined) {
    // "activate an event handler": register one listener that runs whatever
    // the attribute holds when the event arrives.
    const listener = (event: Event): void => {
      const current = slot.value
      // A callable object (not a function) is stored but never called, as in
      // browsers, where calling it would throw and only be reported.
      if (typeof current === 'function') current.call(target, event)
    }
    slot.listener = listener
    target.addEventListener(type, listener)
  }
}
