"""Pure model core: functions on arrays with a leading run axis; no I/O."""
