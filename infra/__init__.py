"""fabml: the Azure side of Microsoft Fabric scoring data with an Azure ML batch endpoint."""
