"""The application: the ``llmiso`` command, the demo, reading CSV files, backtests and
forecast plots. It calls the library; nothing in the library imports it."""
