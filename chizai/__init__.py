"""chizai: the system that runs the Regional IP Activation Action Plan (地域知財活性化行動計画)."""
