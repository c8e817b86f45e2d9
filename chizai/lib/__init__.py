"""Framework-free helpers: the Japanese fiscal calendar, era (和暦) labels and number formatting."""
