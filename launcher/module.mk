# launcher/module.mk — owned by the launcher work
