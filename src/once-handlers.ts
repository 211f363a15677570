/**
 * workerd's `EventTarget` calls a target's `on<type>` property itself when it
 * dispatches, ahead of every listener (workerd#6022; no standard says so).
 * The event handler attributes of this library register a listener, as the
 * HTML Standard's do, so there a handler would run twice, the first time out
 * of order. Where the runtime does this, the full class answers that first
 * read of the property in each dispatch with null, and the handler runs once,
 * from its listener, in its place. The lite class, for browsers and
 * polyfills, goes without (its bundle has no room; README "Runtimes").
 */

/** Whether this runtime's `EventTarget` reads `on<type>` during dispatch. */
const RUNTIME_CALLS_ON_PROPERTIES: boolean = (() => {
  let read = false
  const probe = new EventTarget()
  Object.defineProperty(probe, 'onprobe', {
    get() {
      read = true
      return null
    },
  })
  probe.dispatchEvent(new Event('probe'))
  return read
})()

/** On such a runtime, makes the `on*` attributes of `prototype` run once per event. */
export function callHandlersOnce(prototype: EventTarget, types: readonly string[]): void {
  if (!RUNTIME_CALLS_ON_PROPERTIES) return
  // Per target, the type being dispatched whose `on<type>` the runtime has not read yet.
  const dispatching = new WeakMap<EventTarget, string>()
  for (const type of types) {
    const name = `on${type}`
    const attribute = Object.getOwnPropertyDescriptor(prototype, name) as PropertyDescriptor
    Object.defineProperty(prototype, name, {
      ...attribute,
      get(this: EventTarget) {
        if (dispatching.get(this) !== type) return attribute.get?.call(this)
        dispatching.delete(this)
        return null
      },
    })
  }
  Object.defineProperty(prototype, 'dispatchEvent', {
    value(this: EventTarget, event: Event): boolean {
      dispatching.set(this, event.type)
      try {
        return EventTarget.prototype.dispatchEvent.call(this, event)
      } finally {
        dispatching.delete(this)
      }
    },
    writable: true,
    configurable: true,
  })
}
