/**
 * How batchprompt's simulator server (`batchprompt sim serve`) names itself in `GET /models`: the
 * `owned_by` of every model it lists. Clients that find it label their runs simulated. Declared
 * once here, below both the server (`sim/`) and the adapters that look for it (`models/`).
 */
export const simulatorModelOwner = 'batchprompt-simulator';
