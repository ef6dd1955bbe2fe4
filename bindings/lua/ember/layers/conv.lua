-- Placeholder: this area is not written yet.
return {}
