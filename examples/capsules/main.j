TDFCÈ±‹tldàtagdecàtagdef‘‹tagÙÈ@Àmain”àsquare¤°abs´àprintf¹ˆ°»°É™˜€dec main™™‰dec square™™Šğdec abs™™‹dec printf©™˜ƒ€def mainQÀİí£B/iÅé¾ŸõÚ™™Œ8private 4QÄ@cg6h™°
›ğ